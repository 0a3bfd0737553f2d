package dev.netext.daemon.tunnel;

import dev.netext.api.tunnel.StopReason;
import dev.netext.linux.netlink.PathMonitor;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.Latches;
import dev.netext.tunnel.TunnelRuntime;
import dev.netext.tunnel.apps.AppRouting;
import dev.netext.tunnel.linux.NetlinkConfigurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/** A launched tunnel and everything it owns; {@link #close} tears it all down once. */
public final class RunningTunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunningTunnel.class);

    private final TunnelRuntime runtime;
    private final NetlinkConfigurator configurator;
    private final PathMonitor monitor;
    private final StateLedger ledger;
    private final RtNetlink rtnl;
    private final List<StateLedger.Recovery> recovered;
    private final AppRouting apps; // null unless tunnel.apps
    private boolean closed;
    private final CountDownLatch stopped = new CountDownLatch(1);

    RunningTunnel(TunnelRuntime runtime, NetlinkConfigurator configurator, PathMonitor monitor, StateLedger ledger,
                  RtNetlink rtnl, List<StateLedger.Recovery> recovered, AppRouting apps) {
        this.runtime = runtime;
        this.configurator = configurator;
        this.monitor = monitor;
        this.ledger = ledger;
        this.rtnl = rtnl;
        this.recovered = recovered;
        this.apps = apps;
    }

    public TunnelRuntime runtime() { return runtime; }

    public NetlinkConfigurator configurator() { return configurator; }

    /** What the launch undid of crashed instances before it started. */
    public List<StateLedger.Recovery> recovered() { return recovered; }

    /** Tears everything down; a concurrent or later call waits until the first one has finished. */
    public void stop(StopReason reason) {
        synchronized (this) {
            if (closed) {
                awaitStopped();
                return;
            }
            closed = true;
        }
        try {
            teardown(reason);
        } finally {
            stopped.countDown();
        }
    }

    private void awaitStopped() {
        Latches.awaitUninterruptibly(stopped);
    }

    private void teardown(StopReason reason) {
        runtime.stop(reason);
        monitor.close();
        if (apps != null) apps.close(); // its table went with the runtime's clear; the ledger ends here
        // The runtime removed the settings; the link goes with its fd. Sweep the ledger once more so that nothing it
        // names survives, then drop it.
        for (LedgerEntry e : ledger.entries().reversed()) {
            try {
                NetlinkConfigurator.undo(rtnl, e);
            } catch (Exception ex) {
                LOG.warn("could not remove {}: {}", e, ex.getMessage());
            }
        }
        ledger.close();
        rtnl.close();
    }

    @Override
    public void close() {
        stop(StopReason.USER_INITIATED);
    }
}
