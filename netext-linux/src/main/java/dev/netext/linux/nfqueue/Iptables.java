package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code iptables}/{@code ip6tables} (Debian's nft backend) in the caller's network namespace.
 *
 * <p>Why a command and not netlink: this kernel has no nftables {@code queue} statement ({@code CONFIG_NFT_QUEUE} is
 * off), so the only way to queue packets is the xtables {@code NFQUEUE} target through nft's compat expression. Writing
 * nft_compat expressions by hand means encoding xtables' private target and match structures (xt_NFQ_info_v3,
 * xt_connmark_mtinfo1, xt_conntrack_mtinfo3, …) into nftables netlink messages: a large, fragile reimplementation of
 * what {@code iptables-nft} already does. Rule changes happen at start and stop only, never per packet.
 */
public final class Iptables {
    private static final long TIMEOUT_SECONDS = 20;

    private final List<String> prefix;

    /** Runs in this process's network namespace. */
    public Iptables() {
        this(List.of());
    }

    /** Runs each command behind {@code prefix} (e.g. {@code ip netns exec NAME}). */
    public Iptables(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    public static String command(IpFamily family) {
        return family == IpFamily.V4 ? "iptables" : "ip6tables";
    }

    /** Runs {@code iptables -w ARGS} (or ip6tables); throws with its message when it fails. */
    public void run(IpFamily family, List<String> args) throws IOException {
        Result r = tryRun(family, args);
        if (r.exit != 0)
            throw new IOException(String.join(" ", r.command) + " failed (exit " + r.exit + "): " + r.output.strip());
    }

    /** Runs the command and returns its result without judging it. */
    public Result tryRun(IpFamily family, List<String> args) throws IOException {
        HostPackages.require(command(family));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(command(family));
        cmd.add("-w");
        cmd.add("10");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(cmd, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    public record Result(List<String> command, int exit, String output) {}
}
