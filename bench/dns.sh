#!/usr/bin/env bash
# netext's DNS proxy against unbound (2 threads) and dnsmasq, side by side in one throwaway namespace: each a caching
# forwarder to the same local upstream, caches warmed with the same names, dnsperf -c 10 against each in turns.
# Prints cached QPS and ratios, answers per CPU-second each server process used (utime+stime from /proc/PID/stat
# around its dnsperf runs: dnsperf shares the cores), p50/p99 latency, uncached forwarding overhead, netext's heap
# cap, cache and RSS.
# Needs root, dnsperf, dnsmasq, unbound, dig. Options: --names 100000 --seconds 10 --rounds 3 --java-opts "-Xmx32m ..."
# (NAME=value words in --java-opts are netext's environment, e.g. MALLOC_ARENA_MAX=2 as bin/lib/launch.sh exports it).
# Without --java-opts netext runs as `netext dns serve` does: the dns role's options and environment from bin/lib/jvm.sh
# (no AOT cache: the bench starts java itself).
# --blocklist-names 1000000 instead measures a block list's cost: netext's cached rate with and without a list of that
# many names, and the RSS netext, dnsmasq (--addn-hosts) and unbound (local-zone always_nxdomain) each add for it.
set -euo pipefail
cd "$(dirname "$0")/.."
case " $* " in
  *" --java-opts "*) exec bench/netext-bench dns "$@" ;;
esac
. bin/lib/jvm.sh
exec bench/netext-bench dns --java-opts "MALLOC_ARENA_MAX=$NETEXT_MALLOC_ARENA_MAX $NETEXT_JVM_COMMON $(netext_role_options dns)" "$@"
