package dev.netext.linux.nft;

import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Applies nftables rulesets with {@code nft -f -} in the caller's network namespace.
 *
 * <p>Why the command and not libnftables over FFM or raw nf_tables netlink: rulesets change only at start and stop,
 * never per packet, and {@code nft -f} applies a whole file in one kernel transaction (all or nothing) with nft's own
 * error messages — the same atomicity libnftables' {@code nft_run_cmd_from_buffer} would give, without binding a
 * native library whose ABI varies between releases. (Raw netlink would mean re-encoding nft's expression VM for
 * {@code redirect}, sets and {@code th} payload matches.)
 */
public final class Nft {
    private static final long TIMEOUT_SECONDS = 20;

    private final List<String> prefix;

    /** Runs in this process's network namespace. */
    public Nft() { this(List.of()); }

    /** Runs each command behind {@code prefix} (e.g. {@code ip netns exec NAME}). */
    public Nft(List<String> prefix) { this.prefix = List.copyOf(prefix); }

    /** Applies {@code ruleset} atomically; throws with nft's message when it is refused. */
    public void apply(String ruleset) throws IOException {
        Result r = run(ruleset, "-f", "-");
        if (r.exit() != 0) throw new IOException("nft -f - failed (exit " + r.exit() + "): " + r.output().strip());
    }

    /** Whether table {@code family name} exists. */
    public boolean tableExists(String family, String name) throws IOException {
        return run(null, "list", "table", family, name).exit() == 0;
    }

    /** Deletes table {@code family name}; a table already gone is not an error. */
    public void deleteTable(String family, String name) throws IOException {
        Result r = run(null, "delete", "table", family, name);
        if (r.exit() != 0 && tableExists(family, name))
            throw new IOException("nft delete table " + family + " " + name + " failed: " + r.output().strip());
    }

    private Result run(String stdin, String... args) throws IOException {
        HostPackages.require("nft");
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

    private record Result(int exit, String output) {}
}
