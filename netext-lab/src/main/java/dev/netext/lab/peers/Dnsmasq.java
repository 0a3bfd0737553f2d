package dev.netext.lab.peers;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * dnsmasq in a lab namespace as a real DNS server: on {@code address} port 53 (UDP and TCP), with no configuration
 * file, no upstreams and no hosts file, answering only from the records given as dnsmasq options
 * ({@code --host-record=…}, {@code --address=/…/…}, {@code --txt-record=…}). It runs until the lab closes (the lab
 * kills what its namespaces run) or the returned process is destroyed.
 */
public final class Dnsmasq {
    public static final String EXECUTABLE = "/usr/sbin/dnsmasq";
    /** The TTL of dnsmasq's own records unless told otherwise: without {@code --local-ttl} it is 0, nothing caches. */
    public static final int DEFAULT_LOCAL_TTL = 60;

    /** How dnsmasq runs. */
    public enum Mode {
        /** {@code -k}: in the foreground, a child process per TCP connection. */
        FORKING("-k"),
        /**
         * {@code --no-daemon}, debug mode, as people run it by hand: one process that serves a TCP connection itself
         * and nothing else — not even UDP — until that connection closes.
         */
        NO_DAEMON("--no-daemon");

        final String option;

        Mode(String option) { this.option = option; }
    }

    private Dnsmasq() {}

    /** Starts dnsmasq ({@link Mode#FORKING}, TTL {@value #DEFAULT_LOCAL_TTL}) and waits until it answers. */
    public static Process start(NetworkNamespace ns, String address, String... records) throws IOException, InterruptedException {
        return start(ns, address, Mode.FORKING, DEFAULT_LOCAL_TTL, records);
    }

    /** Starts dnsmasq in {@code mode}, its records with {@code localTtl}, and waits until it answers. */
    public static Process start(NetworkNamespace ns, String address, Mode mode, int localTtl, String... records)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(EXECUTABLE, mode.option, "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + address, "--port=53", "--user=root", "--pid-file=",
                "--local-ttl=" + localTtl));
        cmd.addAll(List.of(records));
        Process p = ns.exec(cmd.toArray(String[]::new));
        try {
            awaitServing(ns, address);
        } catch (IOException e) {
            if (p.isAlive()) throw e;
            throw new IOException("dnsmasq on " + address + " exited: " + new String(p.getInputStream().readAllBytes()).strip(), e);
        }
        return p;
    }

    /** Waits (≤ 5 s) until a DNS server on {@code address} port 53 answers dig from {@code ns}. */
    public static void awaitServing(NetworkNamespace ns, String address) throws IOException, InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (ns.run(Duration.ofSeconds(5), "dig", "@" + address, "+time=1", "+tries=1", "probe.invalid").output().contains("status")) return;
            Thread.sleep(100);
        }
        throw new IOException("no DNS server answers on " + address + " port 53");
    }
}
