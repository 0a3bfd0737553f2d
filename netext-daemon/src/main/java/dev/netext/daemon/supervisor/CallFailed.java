package dev.netext.daemon.supervisor;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A call into a provider that threw or did not return in time, as the host saw it: the message names the call
 * ({@code handleNewFlow threw IllegalArgumentException: …}, {@code startFilter did not return within 30000 ms}); the
 * cause is the provider's own exception, a {@link TimeoutException} for a call that hung, or a
 * {@link RejectedExecutionException} for a call refused because too many are running in the provider already.
 *
 * <p>It also holds the one reading of a failure that every {@code ProviderFailed} event uses: {@link #errorType} and
 * {@link #message}.
 */
public final class CallFailed extends Exception {
    public CallFailed(String message, Throwable cause) {
        super(message, cause);
    }

    /** A call that threw {@code error}. */
    public static CallFailed threw(String what, Throwable error) {
        return new CallFailed(what + " threw " + describe(error), error);
    }

    /** A call that did not return within {@code millis}. */
    public static CallFailed hung(String what, long millis) {
        return new CallFailed(what + " did not return within " + millis + " ms", new TimeoutException(what));
    }

    /** A call refused before it was made: {@code limit} calls of its kind are running in the provider already. */
    public static CallFailed busy(String what, int limit) {
        return new CallFailed(what + " refused: " + limit + " calls are running in the provider already (the limit)",
                new RejectedExecutionException(what + ": " + limit + " in flight"));
    }

    /**
     * {@code error_type}: the simple class name of the provider's own exception ({@code TimeoutException} for a hung
     * call) — the form the event schema documents, short enough for a dashboard column.
     */
    public static String errorType(Throwable error) {
        return rootOf(error).getClass().getSimpleName();
    }

    /**
     * {@code message}: for a failed call, which call and how; for anything else (a loop's exception, a cancel, a start
     * that threw on the worker), the exception's own message, or its class when it has none.
     */
    public static String message(Throwable error) {
        if (error instanceof CallFailed) return error.getMessage();
        Throwable r = rootOf(error);
        return r.getMessage() == null ? r.toString() : r.getMessage();
    }

    /** The exception with its class: {@code IllegalStateException: boom}. */
    static String describe(Throwable t) {
        Throwable r = rootOf(t);
        return r.getMessage() == null ? r.toString() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    /** The provider's own exception: what a {@link CallFailed} or an {@link ExecutionException} wraps. */
    static Throwable rootOf(Throwable t) {
        return (t instanceof CallFailed || t instanceof ExecutionException) && t.getCause() != null ? t.getCause() : t;
    }
}
