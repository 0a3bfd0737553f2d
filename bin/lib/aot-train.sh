#!/bin/sh
# Trains netext's AOT caches (JDK 25, JEP 483/514/515), one per role, and writes them beside the jars:
#   aot-train.sh JAVA_HOME LIB_DIR [ROLE...]
# writes LIB_DIR/../netext-ROLE.aot for each ROLE (default: cli dns up wg daemon, bin/lib/jvm.sh's roles) and
# netext.aot.key (bin/lib/jvm.sh uses a role's cache while the key matches the jars). ROLE "all" trains the single
# cache of every role's workload (what every command used before caches per role; bench/startup.sh compares them).
# Each role's cache is trained by its own JVM, started with that role's options, running dev.netext.cli.aot.AotTraining
# --role ROLE under -XX:AOTCacheOutput in a throwaway network namespace: DNS answers from `dns serve` (dns), pings
# and UDP through a `pong` tunnel and an iperf3 run through a flow filter (up), `wg up` against a wireguard-go peer in
# a second namespace with iperf3 both ways (wg), netextd running a tunnel and a filter (daemon), the short commands
# (cli). A cache loads every class it holds at start, so a role's cache holds only what that role runs.
# Needs root (namespaces); without it it leaves no cache (the key file says "untrained") and says so in one line:
# netext then starts without one. A role whose training fails has no cache (its commands start without one).
# Run by bin/netext after a build; the Debian package's postinst runs it on its own runtime and jars.
set -eu
# a caller's global JVM options would be trained into the cache (or break its two-step dump): not ours to keep
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS
[ $# -ge 2 ] || { echo "usage: $0 JAVA_HOME LIB_DIR [ROLE...]" >&2; exit 2; }
JDK=$1
LIB=$(cd "$2" && pwd)
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/jvm.sh"
ROLES=${*:-$NETEXT_AOT_ROLES}
DIR=$(cd "$LIB/.." && pwd)
KEY="$DIR/netext.aot.key"
# a cache of older jars is of no use to anyone: the single netext.aot of before too
if [ $# -eq 0 ]; then rm -f "$DIR/netext.aot" "$DIR"/netext-*.aot; fi
for role in $ROLES; do rm -f "$(netext_aot_cache "$LIB" "$role")"; done
untrained() { echo "untrained $(netext_aot_key "$LIB")" >"$KEY"; }
[ "$(id -u)" = 0 ] || { untrained; echo "netext: no AOT cache (training needs root for its namespaces): starts take longer" >&2; exit 0; }

# the namespaces and the wireguard-go socket are named after this shell's pid (hex: interface names hold 15 bytes), so
# a training killed with SIGKILL, whose trap never ran, is found and cleaned up by the next one
tag=$(printf '%x' $$)
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^nxaot-[ab]-[0-9a-f]+$/ {print $1}'); do
  pid=$((0x${ns##*-}))
  if ! grep -qs aot-train "/proc/$pid/cmdline"; then
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done # its wireguard-go, iperf3
    ip netns del "$ns" 2>/dev/null || true
    rm -f "/var/run/wireguard/nxaotwg${ns##*-}.sock"
  fi
done
A="nxaot-a-$tag" B="nxaot-b-$tag" WG="nxaotwg$tag"
LOG="$DIR/netext-aot-training.log"
: >"$LOG"
cleanup() {
  [ -n "${GO_PID:-}" ] && kill "$GO_PID" 2>/dev/null || true
  [ -n "${IPERF_PID:-}" ] && kill "$IPERF_PID" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -f "/var/run/wireguard/$WG.sock" "$DIR/netext-aot.tmp.peer" "$DIR"/netext-*.aot.tmp
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
  printf '%s\n' "$peer" >"$DIR/netext-aot.tmp.peer"
  ip netns exec "$B" wg set "$WG" private-key "$DIR/netext-aot.tmp.peer" listen-port 51820 \
    peer "$(printf '%s' "$own" | wg pubkey)" endpoint 10.93.0.1:51820 allowed-ips 10.203.0.1/32
  rm -f "$DIR/netext-aot.tmp.peer"
  ip -n "$B" addr add 10.203.0.2/24 dev "$WG" && ip -n "$B" link set "$WG" up
  ip netns exec "$B" iperf3 -s -p 5201 >>"$LOG" 2>&1 &
  IPERF_PID=$!
  wg_args="--wg-private-key $own --wg-peer $(printf '%s' "$peer" | wg pubkey) --wg-endpoint 10.93.0.2:51820 --flow-target 10.93.0.2:5201 --flow-server-namespace $B"
fi

trained= failed=
for role in $ROLES; do
  aot=$(netext_aot_cache "$LIB" "$role")
  # a wg cache trained without a peer would hold none of the packet path: none rather than that
  if [ "$role" = wg ] && [ -z "$wg_args" ]; then failed="$failed wg(needs wireguard-go, wg, iperf3)" && continue; fi
  # the options of the role's commands (a cache records some of them; its training profiles are of the JIT they
  # choose); "all" runs the daemon's (the largest heap)
  opts=$(netext_role_options "$([ "$role" = all ] && echo daemon || echo "$role")")
  echo "aot training: role $role, options $NETEXT_JVM_COMMON $opts" >>"$LOG"
  # shellcheck disable=SC2086 # option lists, split on purpose
  if ip netns exec "$A" "$JDK/bin/java" $NETEXT_JVM_COMMON $opts --enable-native-access=ALL-UNNAMED \
    -XX:AOTCacheOutput="$aot.tmp" -cp "$(netext_class_path "$LIB")" dev.netext.cli.aot.AotTraining --role "$role" $wg_args >>"$LOG" 2>&1 &&
    [ -s "$aot.tmp" ]; then
    mv "$aot.tmp" "$aot"
    trained="$trained $role:$(du -m "$aot" | cut -f1)"
  else
    rm -f "$aot.tmp"
    failed="$failed $role"
  fi
done
if [ -n "$trained" ]; then
  netext_aot_key "$LIB" >"$KEY"
  echo "netext: AOT caches trained (role:MiB$trained${failed:+; failed:$failed}; log: $LOG)" >&2
else
  untrained
  echo "netext: AOT cache training failed (log: $LOG); netext starts without it" >&2
fi
