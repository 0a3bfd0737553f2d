package dev.netext.wireguard;

/**
 * A peer's sessions (whitepaper 6.1 and wireguard-go's keypair rotation): {@code current} sends, {@code previous}
 * still receives what was in flight, and {@code next} is a session the responder derived but may not send on until
 * the initiator has used it (its first transport message confirms the handshake, whitepaper 5.4.6).
 *
 * <p>Guarded by its own monitor; the index table is told about removed key pairs through the callback.
 */
final class Keypairs {
    private Keypair current;
    private Keypair previous;
    private Keypair next;

    synchronized Keypair current() { return current; }
    synchronized Keypair previous() { return previous; }
    synchronized Keypair next() { return next; }

    /**
     * Installs a new session. The initiator sends on it at once; the responder keeps it as {@code next}.
     * Returns the key pairs that fell out, to be zeroed and removed from the index table (nulls skipped by callers).
     */
    synchronized Keypair[] install(Keypair keypair) {
        Keypair[] dropped;
        if (keypair.initiator()) {
            if (next != null) {
                dropped = new Keypair[] {previous};
                previous = next;
                next = null;
            } else {
                dropped = new Keypair[] {previous};
                previous = current;
            }
            current = keypair;
        } else {
            dropped = new Keypair[] {next};
            next = keypair;
        }
        return dropped;
    }

    /**
     * Called when a packet authenticated under {@code keypair}: if it is {@code next}, the initiator has confirmed
     * the session, so it becomes current. Returns the key pair that fell out (previous), or null; and sets
     * {@code confirmed[0]} when a rotation happened.
     */
    synchronized Keypair received(Keypair keypair, boolean[] confirmed) {
        if (keypair != next) return null;
        Keypair dropped = previous;
        previous = current;
        current = next;
        next = null;
        confirmed[0] = true;
        return dropped;
    }

    /** Removes every session; returns them for zeroing. */
    synchronized Keypair[] clear() {
        Keypair[] all = {previous, current, next};
        previous = current = next = null;
        return all;
    }
}
