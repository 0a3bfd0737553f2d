#!/usr/bin/env bash
# The flow layer, side by side in one run over a veth between two throwaway namespaces: iperf3 TCP direct, direct with
# conntrack on (the fast path's rules need it), on the fast path (verdict from queued packets, the kernel carries the
# flow) and on the terminated path (TPROXY, netext relays every byte); connection setup + first round trip p50/p99 the same three ways; UDP echo datagrams/s and new-UDP-flow
# setup p50/p99 and CPU per datagram direct, fast path and terminated; and the rules filter's new-flow verdicts per second.
# Prints the ratios.
# Needs root and iperf3. Options: --seconds 5 --rounds 3 --connections 500; --cases udp: the UDP part alone, with
# --udp-relay gro|batches|both (the terminated relay reading GRO trains, Netty's recvmmsg batches, or both in turns),
# --udp-gso-client / --udp-gso-echo (the client / the echo send GSO trains, as QUIC stacks do), --veth-gro,
# --udp-datagrams 20000
# --cases gateway: forwarded TCP through a gateway namespace alone (direct, fast path, terminated; netext CPU s/GB)
# --cases setup: the fast path's added setup alone, its variants interleaved (stages with
# NETEXT_BENCH_JVM_OPTS=-Dnetext.flow.setupStages=true; only some variants: -Dnetext.bench.setupVariants=after)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/netext-bench flows "$@"
