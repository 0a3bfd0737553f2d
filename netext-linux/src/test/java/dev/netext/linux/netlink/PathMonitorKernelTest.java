package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.path.PathEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** PathMonitor in a throw-away namespace: changes made through RtNetlink come back as PathEvents. */
class PathMonitorKernelTest {
    private TestNamespace ns;
    private RtNetlink rt;
    private PathMonitor monitor;
    private final BlockingQueue<PathEvent> events = new LinkedBlockingQueue<>();
    private final List<PathEvent> seen = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestNamespace.available(), "kernel tests need root and ip");
        ns = TestNamespace.create();
        ns.ip("link", "add", "va", "type", "veth", "peer", "name", "vb");
        rt = ns.runInside(RtNetlink::open);
        monitor = ns.runInside(() -> PathMonitor.start(events::add));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (monitor != null) monitor.close();
        if (rt != null) rt.close();
        if (ns != null) ns.close();
    }

    private <T extends PathEvent> T await(Class<T> type, Predicate<T> p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (PathEvent e : seen) if (type.isInstance(e) && p.test(type.cast(e))) return type.cast(e);
        while (System.nanoTime() < deadline) {
            PathEvent e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e == null) continue;
            seen.add(e);
            if (type.isInstance(e) && p.test(type.cast(e))) return type.cast(e);
        }
        return fail("no matching " + type.getSimpleName() + " in 5 s; saw " + seen);
    }

    @Test
    void seesLinkAddressAndDefaultRouteChanges() throws Exception {
        int va = rt.link("va").orElseThrow().index();
        rt.setLinkUp(va, true);
        rt.setLinkUp(rt.link("vb").orElseThrow().index(), true);
        var up = await(PathEvent.LinkChanged.class, e -> e.index() == va && e.up() && e.running());
        assertThat(up.name()).isEqualTo("va");
        assertThat(up.removed()).isFalse();

        rt.setMtu(va, 1300);
        await(PathEvent.LinkChanged.class, e -> e.index() == va && e.mtu() == 1300);

        IpPrefix v4 = IpPrefix.parse("10.1.0.1/24");
        IpPrefix v6 = IpPrefix.parse("fd00:1::1/64");
        rt.addAddress(va, v4);
        rt.addAddress(va, v6);
        var added = await(PathEvent.AddressChanged.class, e -> e.address().equals(v4) && !e.removed());
        assertThat(added.linkIndex()).isEqualTo(va);
        assertThat(added.linkName()).isEqualTo("va");
        await(PathEvent.AddressChanged.class, e -> e.address().equals(v6) && !e.removed());

        Route def = Route.to(IpPrefix.parse("0.0.0.0/0")).withGateway(IpPrefix.parseAddress("10.1.0.254"));
        rt.addRoute(def);
        var dr = await(PathEvent.DefaultRouteChanged.class, e -> !e.removed());
        assertThat(dr).isEqualTo(new PathEvent.DefaultRouteChanged(IpFamily.V4, IpPrefix.parseAddress("10.1.0.254"),
                va, "va", false));
        // a default route in another table is not the host's default route
        rt.addRoute(def.withTable(51820));
        Route def6 = Route.to(IpPrefix.parse("::/0")).withGateway(IpPrefix.parseAddress("fd00:1::fe"))
                .withOutputInterface(va);
        rt.addRoute(def6);
        await(PathEvent.DefaultRouteChanged.class, e -> e.family() == IpFamily.V6 && !e.removed());
        rt.deleteRoute(def);
        await(PathEvent.DefaultRouteChanged.class, e -> e.family() == IpFamily.V4 && e.removed()
                && e.linkIndex() == va);

        rt.deleteAddress(va, v4);
        await(PathEvent.AddressChanged.class, e -> e.address().equals(v4) && e.removed());

        rt.deleteLink(va);
        await(PathEvent.LinkChanged.class, e -> e.index() == va && e.removed());
        // the default route added to table 51820 is not the host's default route: one v4 addition only
        assertThat(seen).filteredOn(e -> e instanceof PathEvent.DefaultRouteChanged d
                && d.family() == IpFamily.V4 && !d.removed()).containsExactly(dr);
    }

    @Test
    void overrunIsLoggedAndMonitoringGoesOn() throws Exception {
        monitor.close();
        CountDownLatch release = new CountDownLatch(1);
        monitor = ns.runInside(() -> PathMonitor.start(e -> {
            try {
                release.await(); // hold the thread so notifications pile up in a tiny receive buffer
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            events.add(e);
        }, 1));
        int va = rt.link("va").orElseThrow().index();
        for (int i = 1; i <= 200; i++) rt.addAddress(va, IpPrefix.parse("10.3." + (i / 100) + "." + (i % 100 + 1) + "/32"));
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (monitor.overruns() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(monitor.overruns()).isPositive();
        // Monitoring goes on: a later change is reported. The socket buffer is deliberately tiny, so a single
        // notification may still be lost to a fresh overrun; keep changing the MTU until one gets through.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean seenChange = false;
        for (int mtu = 1280; !seenChange && System.nanoTime() < until; mtu = mtu == 1280 ? 1300 : 1280) {
            rt.setMtu(va, mtu);
            int expected = mtu;
            long stop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (!seenChange && System.nanoTime() < stop) {
                PathEvent e = events.poll(50, TimeUnit.MILLISECONDS);
                seenChange = e instanceof PathEvent.LinkChanged l && l.index() == va && l.mtu() == expected;
            }
        }
        assertThat(seenChange).as("a link change after the overrun was reported").isTrue();
    }

    @Test
    void closeStopsPromptlyAndIsIdempotent() {
        long t0 = System.nanoTime();
        monitor.close();
        monitor.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("netext-path-monitor"));
    }
}
