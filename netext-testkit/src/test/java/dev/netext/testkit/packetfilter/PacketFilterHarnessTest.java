package dev.netext.testkit.packetfilter;

import dev.netext.api.ProviderContext;
import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.DelayedPacket;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.tunnel.StopReason;
import dev.netext.packetfilter.builtin.RulesPacketProvider;
import dev.netext.testkit.packet.Packets;
import dev.netext.testkit.packet.ParsedPacket;
import dev.netext.testkit.packetfilter.PacketFilterHarness.Outcome;
import dev.netext.wire.edit.PacketEditor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

class PacketFilterHarnessTest {

    /** A provider whose handle is a lambda. */
    static final class Lambda implements FilterPacketProvider {
        final BiFunction<PacketContext, ByteBuffer, PacketVerdict> handler;

        Lambda(BiFunction<PacketContext, ByteBuffer, PacketVerdict> handler) { this.handler = handler; }

        @Override public void startFilter(ProviderContext context, Map<String, Object> options) { }

        @Override public void stopFilter(StopReason reason) { }

        @Override public PacketVerdict handle(PacketContext context, ByteBuffer packet) { return handler.apply(context, packet); }
    }

    /** Rewrites "hello" to "HELLO" in UDP to port 9999 with the packet editor: the provider of Must show 2. */
    static PacketVerdict upcase(PacketContext c, ByteBuffer packet) {
        ByteBuffer copy = ByteBuffer.allocate(packet.remaining()).put(packet.duplicate()).flip();
        try {
            PacketEditor e = new PacketEditor().edit(copy);
            if (!e.isUdp() || e.destinationPort() != 9999) return PacketVerdict.ALLOW;
            if (e.replaceInPayload("hello".getBytes(), "HELLO".getBytes()) == 0) return PacketVerdict.ALLOW;
            e.finish();
            return new PacketVerdict.Modify(copy, false);
        } catch (Exception ex) {
            return PacketVerdict.ALLOW;
        }
    }

    static ByteBuffer udp(String payload) {
        return ByteBuffer.wrap(Packets.udp("10.0.0.1", 40000, "10.0.0.2", 9999, payload.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void modifyProducesAValidPacket() throws Exception {
        try (var f = PacketFilterHarness.start(new Lambda(PacketFilterHarnessTest::upcase), Map.of())) {
            Outcome o = f.send(Direction.OUTBOUND, udp("say hello"));
            assertThat(o.action()).isEqualTo(Outcome.Action.MODIFIED);
            ParsedPacket p = Packets.parse(o.bytes().array());
            assertThat(new String(p.payload(), StandardCharsets.US_ASCII)).isEqualTo("say HELLO");
            assertThat(p.checksumsValid()).isTrue();
            assertThat(f.send(Direction.OUTBOUND, udp("nothing")).action()).isEqualTo(Outcome.Action.ALLOWED);
            assertThat(f.events()).anyMatch(e -> e instanceof ProviderEvent.PacketDecided d && d.verdict() instanceof PacketVerdict.Modify);
        }
    }

    @Test
    void modifyWithoutChecksumsGetsThemFixedByTheHost() throws Exception {
        FilterPacketProvider careless = new Lambda((c, p) -> {
            byte[] b = new byte[p.remaining()];
            p.duplicate().get(b);
            b[b.length - 1] = 'X'; // checksum now wrong
            return PacketVerdict.modify(ByteBuffer.wrap(b));
        });
        try (var f = PacketFilterHarness.start(careless, Map.of())) {
            Outcome o = f.send(Direction.OUTBOUND, udp("abc"));
            assertThat(Packets.parse(o.bytes().array()).checksumsValid()).isTrue();
        }
    }

    @Test
    void delayedPacketsAreReleasedLaterInOrder() throws Exception {
        List<DelayedPacket> held = new ArrayList<>();
        FilterPacketProvider delayer = new Lambda((c, p) -> {
            PacketVerdict.Delay d = c.delay();
            held.add(d.handle());
            return d;
        });
        try (var f = PacketFilterHarness.start(delayer, Map.of())) {
            List<Long> tokens = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Outcome o = f.send(Direction.OUTBOUND, udp("p" + i));
                assertThat(o.action()).isEqualTo(Outcome.Action.HELD);
                tokens.add(o.token());
            }
            assertThat(f.heldCount()).isEqualTo(5);
            assertThat(f.released()).isEmpty();
            for (DelayedPacket h : held) assertThat(h.allow()).isTrue();
            assertThat(held.getFirst().allow()).as("only once").isFalse();
            assertThat(f.released()).extracting(Outcome::token).containsExactlyElementsOf(tokens);
            assertThat(f.heldCount()).isZero();
        }
    }

    @Test
    void heldPacketsExpireAsDrops() throws Exception {
        FilterPacketProvider delayer = new Lambda((c, p) -> c.delay());
        try (var f = PacketFilterHarness.start(delayer, Map.of(), true, Duration.ofMillis(100))) {
            f.send(Direction.OUTBOUND, udp("x"));
            List<Outcome> r = f.awaitReleased(1, Duration.ofSeconds(5));
            assertThat(r).singleElement().extracting(Outcome::action).isEqualTo(Outcome.Action.DROPPED);
            assertThat(f.stats().expired()).isEqualTo(1);
        }
    }

    @Test
    void failuresGetTheFailureVerdictAndAnEvent() throws Exception {
        FilterPacketProvider broken = new Lambda((c, p) -> {
            if (p.get(p.position() + p.remaining() - 1) == '1') throw new IllegalStateException("boom");
            if (p.get(p.position() + p.remaining() - 1) == '2') return null;
            return PacketVerdict.ALLOW;
        });
        try (var open = PacketFilterHarness.start(broken, Map.of(), true, Duration.ofSeconds(1));
             var closed = PacketFilterHarness.start(broken, Map.of(), false, Duration.ofSeconds(1))) {
            assertThat(open.send(Direction.OUTBOUND, udp("1")).action()).isEqualTo(Outcome.Action.ALLOWED);
            assertThat(closed.send(Direction.OUTBOUND, udp("1")).action()).isEqualTo(Outcome.Action.DROPPED);
            assertThat(closed.send(Direction.OUTBOUND, udp("2")).action()).isEqualTo(Outcome.Action.DROPPED);
            assertThat(closed.stats().failures()).isEqualTo(2);
            assertThat(closed.events()).filteredOn(e -> e instanceof ProviderEvent.ProviderMessage m
                    && m.type().equals("netext.packet-filter.handle-failed")).hasSize(2);
            assertThat(open.send(Direction.OUTBOUND, udp("0")).action()).isEqualTo(Outcome.Action.ALLOWED);
        }
    }

    /** Must show 5 in-JVM: random bytes and mutated packets reach a provider that parses them; nothing escapes. */
    @Test
    void malformedPacketsNeverCrashTheEngine() throws Exception {
        FilterPacketProvider parser = new Lambda((c, p) -> {
            c.flowId();
            c.family();
            ByteBuffer copy = ByteBuffer.allocate(p.remaining()).put(p.duplicate()).flip();
            try {
                PacketEditor e = new PacketEditor().edit(copy); // throws for garbage: an exception escapes handle()
                if (e.isUdp()) { e.setHopLimit(1); e.finish(); return PacketVerdict.modify(copy); }
            } catch (dev.netext.wire.MalformedPacketException ex) {
                throw new IllegalArgumentException(ex);
            }
            return PacketVerdict.ALLOW;
        });
        Random rnd = new Random(0xBAD);
        byte[] valid = Packets.udp("10.0.0.1", 1, "10.0.0.2", 9999, "hello".getBytes());
        try (var f = PacketFilterHarness.start(parser, Map.of(), false, Duration.ofSeconds(1))) {
            for (int i = 0; i < 5_000; i++) {
                byte[] b;
                if (i % 2 == 0) { b = new byte[rnd.nextInt(100)]; rnd.nextBytes(b); }
                else { b = valid.clone(); b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); }
                Outcome o = f.send(Direction.INBOUND, "eth0", ConntrackState.values()[rnd.nextInt(5)], 0, ByteBuffer.wrap(b));
                assertThat(o.action()).isIn(Outcome.Action.ALLOWED, Outcome.Action.DROPPED, Outcome.Action.MODIFIED);
            }
            assertThat(f.stats().packets()).isEqualTo(5_000);
            assertThat(f.stats().failures()).isPositive();
        }
    }

    @Test
    void flowDecisionsGoToTheKernelOrWaitForTheNextPacket() throws Exception {
        FilterPacketProvider decider = new Lambda((c, p) -> {
            c.markFlowDecided(PacketVerdict.DROP); // allow this one, drop the rest of the flow
            return PacketVerdict.ALLOW;
        });
        try (var f = PacketFilterHarness.start(decider, Map.of())) {
            Outcome first = f.send(Direction.OUTBOUND, udp("a"));
            assertThat(first.action()).isEqualTo(Outcome.Action.ALLOWED);
            assertThat(first.flowDecided()).isFalse();
            Outcome second = f.send(Direction.OUTBOUND, udp("b"));
            assertThat(second.action()).isEqualTo(Outcome.Action.DROPPED);
            assertThat(second.flowDecided()).isTrue();
            // untracked packets cannot be decided: the call fails, the failure verdict applies
            assertThat(f.send(Direction.OUTBOUND, "eth0", ConntrackState.UNTRACKED, 0, udp("c")).action()).isEqualTo(Outcome.Action.ALLOWED);
            assertThat(f.stats().failures()).isEqualTo(1);
        }
    }

    @Test
    void rulesProviderDropsIcmpToOneAddress() throws Exception {
        Map<String, Object> options = Map.of("rules", List.of(Map.of("action", "drop", "protocol", "icmp", "destination", "10.0.0.3")));
        try (var f = PacketFilterHarness.start(new RulesPacketProvider(), options)) {
            Outcome toBlocked = f.send(Direction.OUTBOUND, ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.3", 1, 1)));
            assertThat(toBlocked.action()).isEqualTo(Outcome.Action.DROPPED);
            assertThat(toBlocked.flowDecided()).isTrue();
            assertThat(f.send(Direction.OUTBOUND, ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 1))).action())
                    .isEqualTo(Outcome.Action.ALLOWED);
        }
    }
}
