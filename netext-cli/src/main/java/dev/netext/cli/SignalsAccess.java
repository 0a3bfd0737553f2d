package dev.netext.cli;

/** Lets other CLI packages wait for Ctrl-C the same way {@code up} does. */
public final class SignalsAccess {
    private SignalsAccess() {}

    public static void onTerminate(Runnable r) { Signals.onTerminate(r); }
}
