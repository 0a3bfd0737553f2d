package dev.netext.linux.tproxy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code nft} in the caller's network namespace, feeding a generated ruleset on standard input ({@code nft -f -}).
 *
 * <p>Why the command and not libnftables over FFM: libnftables' API is itself "run this nft text"
 * ({@code nft_run_cmd_from_buffer}), so binding it would save only a fork at start and stop while adding a native
 * context's lifecycle and its output buffering; writing nftables netlink (NFT_MSG_NEWRULE with nested expressions for
 * {@code tproxy}, {@code fib}, {@code socket cgroupv2}, sets) by hand would be a large reimplementation of nft's
 * compiler. The ruleset is applied in one transaction (all or nothing) and changes only at start and stop, never per
 * flow.
 */
public final class Nft {
    private static final long TIMEOUT_SECONDS = 20;
    private final List<String> prefix;

    public Nft() { this(List.of()); }

    /** Runs behind {@code prefix} (e.g. {@code ip netns exec NAME}). */
    public Nft(List<String> prefix) { this.prefix = List.copyOf(prefix); }

    /** Applies {@code script} atomically ({@code nft -f -}); throws with nft's message when it fails. */
    public void apply(String script) throws IOException {
        Result r = run(script, "-f", "-");
        if (r.exit() != 0) throw new IOException("nft -f - failed (exit " + r.exit() + "): " + r.output().strip());
    }

    /** Whether table {@code family name} exists. */
    public boolean tableExists(String family, String name) throws IOException {
        return run(null, "list", "table", family, name).exit() == 0;
    }

    /** Deletes table {@code family name} and everything in it; a missing table is not an error. */
    public void deleteTable(String family, String name) throws IOException {
        if (!tableExists(family, name)) return;
        Result r = run(null, "delete", "table", family, name);
        if (r.exit() != 0 && tableExists(family, name))
            throw new IOException("nft delete table " + family + " " + name + " failed: " + r.output().strip());
    }

    /** Runs {@code nft ARGS} with {@code stdin} (may be null) and returns what happened. */
    public Result run(String stdin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add("nft");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    public record Result(int exit, String output) {}
}
