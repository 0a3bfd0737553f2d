#!/bin/sh
# Trains netext's AOT cache (JDK 25, JEP 483/514/515) and writes it beside the jars:
#   aot-train.sh JAVA_HOME LIB_DIR      writes LIB_DIR/../netext.aot and netext.aot.key (bin/lib/jvm.sh uses them)
# One JVM runs dev.netext.cli.aot.AotTraining under -XX:AOTCacheOutput in a throwaway network namespace: DNS answers
# from `dns serve`, pings and UDP through a `pong` tunnel (`up`), and, where wireguard-go and iperf3 are installed,
# `wg up` against a wireguard-go peer in a second namespace with a short iperf3 run, and `up` with a flow filter that
# intercepts an iperf3 run to that namespace. The JVM writes the cache at exit.
# Needs root (namespaces); without it, or when anything fails, it leaves no cache (the key file says "untrained")
# and says so in one line: netext then starts without one. Run by bin/netext after a build; the Debian package runs it on its own runtime and jars.
set -eu
# a caller's global JVM options would be trained into the cache (or break its two-step dump): not ours to keep
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS
[ $# -eq 2 ] || { echo "usage: $0 JAVA_HOME LIB_DIR" >&2; exit 2; }
JDK=$1
LIB=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/jvm.sh"
AOT="$LIB/../netext.aot"
rm -f "$AOT" "$AOT.key"
untrained() { echo "untrained $(netext_aot_key "$LIB")" >"$AOT.key"; }
[ "$(id -u)" = 0 ] || { untrained; echo "netext: no AOT cache (training needs root for its namespaces): starts take longer" >&2; exit 0; }

tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
A="nxaot-a-$tag" B="nxaot-b-$tag" WG="nxaotwg$tag"
LOG="$LIB/../netext-aot-training.log"
: >"$LOG"
cleanup() {
  [ -n "${GO_PID:-}" ] && kill "$GO_PID" 2>/dev/null || true
  [ -n "${IPERF_PID:-}" ] && kill "$IPERF_PID" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -f "/var/run/wireguard/$WG.sock" "$AOT.tmp.config"
}
trap cleanup EXIT INT TERM

ip netns add "$A"
ip -n "$A" link set lo up
wg_args=
if command -v wireguard-go >/dev/null && command -v wg >/dev/null && command -v iperf3 >/dev/null; then
  # the peer: wireguard-go in namespace B, 10.93.0.2 over the veth, 10.203.0.2 inside the tunnel
  ip netns add "$B"
  ip -n "$B" link set lo up
  ip link add "nxa$tag" netns "$A" type veth peer name "nxb$tag" netns "$B"
  ip -n "$A" addr add 10.93.0.1/24 dev "nxa$tag" && ip -n "$A" link set "nxa$tag" up
  ip -n "$B" addr add 10.93.0.2/24 dev "nxb$tag" && ip -n "$B" link set "nxb$tag" up
  ip netns exec "$B" wireguard-go -f "$WG" >>"$LOG" 2>&1 &
  GO_PID=$!
  i=0
  while [ ! -S "/var/run/wireguard/$WG.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  own=$(wg genkey) peer=$(wg genkey)
  printf '%s\n' "$peer" >"$AOT.tmp.peer"
  ip netns exec "$B" wg set "$WG" private-key "$AOT.tmp.peer" listen-port 51820 \
    peer "$(printf '%s' "$own" | wg pubkey)" endpoint 10.93.0.1:51820 allowed-ips 10.203.0.1/32
  rm -f "$AOT.tmp.peer"
  ip -n "$B" addr add 10.203.0.2/24 dev "$WG" && ip -n "$B" link set "$WG" up
  ip netns exec "$B" iperf3 -s -p 5201 >>"$LOG" 2>&1 &
  IPERF_PID=$!
  wg_args="--wg-private-key $own --wg-peer $(printf '%s' "$peer" | wg pubkey) --wg-endpoint 10.93.0.2:51820 --flow-target 10.93.0.2:5201"
fi

# shellcheck disable=SC2086 # option lists, split on purpose
if ip netns exec "$A" "$JDK/bin/java" $NETEXT_JVM_COMMON -Xmx128m --enable-native-access=ALL-UNNAMED \
  -XX:AOTCacheOutput="$AOT.tmp" -cp "$(netext_class_path "$LIB")" dev.netext.cli.aot.AotTraining $wg_args >>"$LOG" 2>&1 &&
  [ -s "$AOT.tmp" ]; then
  mv "$AOT.tmp" "$AOT"
  netext_aot_key "$LIB" >"$AOT.key"
  echo "netext: AOT cache trained ($(du -m "$AOT" | cut -f1) MiB, log: $LOG)" >&2
else
  rm -f "$AOT.tmp"
  untrained
  echo "netext: AOT cache training failed (log: $LOG); netext starts without it" >&2
fi
