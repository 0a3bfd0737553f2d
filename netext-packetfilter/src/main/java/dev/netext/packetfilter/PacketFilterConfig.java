package dev.netext.packetfilter;

import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.nfqueue.SteeringMatch;
import dev.netext.linux.state.StateLedger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a packet filter runs: a profile's {@code packet-filter:} section plus host choices.
 *
 * @param name          the provider's name in events and logs
 * @param queue         the netfilter queue number
 * @param match         which packets are steered to the queue
 * @param failOpen      {@code on-failure: open}: when netext is gone or the queue is full, packets pass
 *                      ({@code --queue-bypass}, {@code NFQA_CFG_F_FAIL_OPEN}), and a failing provider call allows;
 *                      {@code closed}: they are dropped, and a failing call drops
 * @param options       free-form provider options for {@code startFilter}
 * @param queueMaxLength packets the kernel holds for netext
 * @param ledgerDir     where the state ledger lives ({@link StateLedger#DEFAULT_DIR})
 * @param publishAllows publish a {@code PacketDecided} event for allowed packets too (off: allows are the bulk)
 * @param maxDelay      how long a delayed packet may be held before it is dropped
 */
public record PacketFilterConfig(String name, int queue, List<SteeringMatch> match, boolean failOpen,
                                 Map<String, Object> options, int queueMaxLength, Path ledgerDir,
                                 boolean publishAllows, Duration maxDelay) {
    public PacketFilterConfig {
        Objects.requireNonNull(name, "name");
        match = List.copyOf(match);
        if (match.isEmpty()) throw new IllegalArgumentException("match is empty: no packet would reach the filter");
        if (queue < 0 || queue > 0xFFFF) throw new IllegalArgumentException("queue " + queue + " outside 0..65535");
        options = options == null ? Map.of() : options;
        if (ledgerDir == null) ledgerDir = StateLedger.DEFAULT_DIR;
        if (maxDelay == null) maxDelay = PacketContext.MAX_DELAY;
    }

    public static PacketFilterConfig of(String name, int queue, List<SteeringMatch> match, boolean failOpen) {
        return new PacketFilterConfig(name, queue, match, failOpen, Map.of(), NfqConfig.DEFAULT_MAX_LENGTH,
                StateLedger.DEFAULT_DIR, false, null);
    }

    /** What a failed provider call becomes. */
    public PacketVerdict failureVerdict() { return failOpen ? PacketVerdict.ALLOW : PacketVerdict.DROP; }

    public PacketFilterConfig withOptions(Map<String, Object> o) {
        return new PacketFilterConfig(name, queue, match, failOpen, o, queueMaxLength, ledgerDir, publishAllows, maxDelay);
    }

    public PacketFilterConfig withLedgerDir(Path dir) {
        return new PacketFilterConfig(name, queue, match, failOpen, options, queueMaxLength, dir, publishAllows, maxDelay);
    }
}
