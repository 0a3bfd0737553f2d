package dev.netext.cli.launch;

/** The program {@link LauncherAotCacheTest} starts through bin/lib/jvm.sh's options: prints one line. */
public final class AotProbeMain {
    private AotProbeMain() {}

    public static void main(String[] args) {
        System.out.println("probe ran: " + String.join(" ", args));
    }
}
