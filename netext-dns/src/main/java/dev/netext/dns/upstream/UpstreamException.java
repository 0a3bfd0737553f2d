package dev.netext.dns.upstream;

import java.io.IOException;

/** Why an upstream did not answer a query. */
public final class UpstreamException extends IOException {
    public enum Kind { TIMEOUT, REFUSED, CLOSED, MALFORMED, OVERLOADED, UNAVAILABLE }

    private final Kind kind;

    public UpstreamException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** No stack trace: these are expected, and frequent when a server is down. */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }

    public Kind kind() { return kind; }
}
