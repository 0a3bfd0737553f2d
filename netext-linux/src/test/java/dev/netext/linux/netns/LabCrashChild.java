package dev.netext.linux.netns;

/**
 * Run in a child JVM by {@link NetnsLabCrashTest}: creates a lab with one namespace, reports its name and ledger on
 * stdout, then waits to be killed with SIGKILL, so that neither close() nor the shutdown hook runs.
 */
public final class LabCrashChild {
    private LabCrashChild() {}

    public static void main(String[] args) throws Exception {
        NetnsLab lab = NetnsLab.create();
        NetworkNamespace ns = lab.namespace("crash");
        System.out.println(ns.name() + " " + lab.ledgerFile());
        System.out.flush();
        Thread.sleep(60_000);
    }
}
