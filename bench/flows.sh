#!/usr/bin/env bash
# The flow layer, side by side in one run over a veth between two throwaway namespaces: iperf3 TCP direct, on the fast
# path (verdict from queued packets, the kernel carries the flow) and on the terminated path (TPROXY, netext relays
# every byte); connection setup + first round trip p50/p99 the same three ways; UDP echo datagrams/s and new-UDP-flow
# setup p50/p99 and CPU per datagram direct, fast path and terminated; and the rules filter's new-flow verdicts per second.
# Prints the ratios.
# Needs root and iperf3. Options: --seconds 5 --rounds 3 --connections 500; --cases udp: the UDP part alone;
# --cases setup: the fast path's added setup alone, its variants interleaved (stages with
# NETEXT_BENCH_JVM_OPTS=-Dnetext.flow.setupStages=true)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/netext-bench flows "$@"
