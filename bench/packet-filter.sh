#!/usr/bin/env bash
# iperf3 TCP between two throwaway namespaces, side by side in one run: the kernel path without a queue, through
# netext's NFQUEUE packet filter with an allow-all provider, and with the flow cache (connections decided in the
# kernel after their first packet). Prints Gbit/s, packets/s seen by the queue and the ratio to no queue.
# Needs root and iperf3. Options: --seconds 5 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/netext-bench packet-filter "$@"
