#!/usr/bin/env bash
# netext's start-up and footprint (issue 12 §3), side by side in one run. Every netext command is started through
# bin/netext, the launcher people use, three ways in turns: "defaults" (the JVM's own defaults, no AOT cache: the
# launcher before bin/lib/jvm.sh), "options" (the role's options of bin/lib/jvm.sh, no cache: NETEXT_AOT=0) and
# "options+cache" (what bin/netext does). In a throwaway lab (namespace A; B holds a wireguard-go peer):
#   - ms from the command to the first answer of `dns serve` (forwarding to a dnsmasq in A), to the first ping
#     through a `pong` tunnel (`up`), to the first ping through `netext wg up` to wireguard-go in B;
#   - iperf3 Gbit/s through `netext wg up` in the first 5 s after that first ping and once warm, against
#     wireguard-go <-> wireguard-go on the same veth;
#   - RSS of `up` (pong) idle 5 s after its first ping; RSS of `dns serve` holding NAMES names; a Native Memory
#     Tracking summary of both (options+cache);
#   - one option at a time on top of the JVM's defaults: RSS of an idle `up` and of `dns serve` holding NAMES names
#     (only these with --matrix-only);
#   - then bench/dns.sh with the dns role's options: cached qps against unbound (2 threads) and dnsmasq, and the RSS
#     of all three holding the same NAMES names.
# Prints medians of ROUNDS, the ratios and the load average. Needs root, dnsmasq, unbound, dnsperf, dig,
# wireguard-go, wireguard-tools, iperf3.   Options: --rounds 3 --names 100000 --no-dns-bench
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=3 NAMES=100000 DNS_BENCH=1 MATRIX_ONLY=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --names) NAMES=$2; shift 2 ;;
    --no-dns-bench) DNS_BENCH=0; shift ;;
    --matrix-only) MATRIX_ONLY=1; DNS_BENCH=0; shift ;;
    *) echo "usage: $0 [--rounds N] [--names N] [--no-dns-bench] [--matrix-only]" >&2; exit 2 ;;
  esac
done
for p in dnsmasq unbound dnsperf dig wireguard-go wg iperf3; do
  command -v $p >/dev/null || { echo "bench/startup.sh: needs $p (packages/debian.txt, role bench)" >&2; exit 1; }
done

bin/netext --version >/dev/null # builds and trains the cache first when stale: no build inside the timings
. bin/lib/java.sh
netext_use_java25
. bin/lib/jvm.sh
JCMD="$JAVA_HOME/bin/jcmd"
MODES="defaults options options+cache"
mode_env() {
  case $1 in
    defaults) echo NETEXT_JVM_DEFAULTS=1 ;;
    options) echo NETEXT_AOT=0 ;;
    *) echo NETEXT_AOT=1 ;;
  esac
}

tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
A="nxsu-a-$tag" B="nxsu-b-$tag" GO_B="nxsub$tag" GO_A="nxsua$tag"
TMP=$(mktemp -d /tmp/netext-startup.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -f "/var/run/wireguard/$GO_A.sock" "/var/run/wireguard/$GO_B.sock"
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
# CPU ms (user + system, all threads) process $1 has used: unlike wall time, barely inflated by a loaded machine
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz)}' "/proc/$1/stat"; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# polls a command in namespace A until it succeeds: 120 s at most, and while process $2 (netext) lives, if given
until_ok() {
  inA sh -c "end=\$((\$(date +%s) + 120)); until $1 >/dev/null 2>&1; do
    [ \$(date +%s) -lt \$end ] || exit 1; [ -z '${2:-}' ] || kill -0 '${2:-}' 2>/dev/null || exit 1; sleep 0.01; done"
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# The lab: A and B joined by a veth; in A a dnsmasq upstream for *.bench.example (TTL one day), in B wireguard-go.
ip netns add "$A" && ip -n "$A" link set lo up
ip netns add "$B" && ip -n "$B" link set lo up
ip link add "sua$tag" netns "$A" type veth peer name "sub$tag" netns "$B"
ip -n "$A" addr add 10.94.0.1/24 dev "sua$tag" && ip -n "$A" link set "sua$tag" up
ip -n "$B" addr add 10.94.0.2/24 dev "sub$tag" && ip -n "$B" link set "sub$tag" up
ip netns exec "$A" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.53 --port=53 \
  --user=root --pid-file= --local-ttl=86400 --address=/bench.example/10.0.0.1 --cache-size=0 &
PIDS+=($!)
KEY_A=$(wg genkey) KEY_B=$(wg genkey)
PUB_A=$(printf '%s' "$KEY_A" | wg pubkey) PUB_B=$(printf '%s' "$KEY_B" | wg pubkey)
wg_go() { # wg_go NS NAME KEY PEER_PUB PEER_ENDPOINT PEER_INNER OWN_INNER
  ip netns exec "$1" wireguard-go -f "$2" >/dev/null 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do [ -S "/var/run/wireguard/$2.sock" ] && break; sleep 0.05; done
  printf '%s\n' "$3" >"$TMP/$2.key"
  ip netns exec "$1" wg set "$2" private-key "$TMP/$2.key" listen-port 51820 peer "$4" endpoint "$5:51820" allowed-ips "$6/32"
  ip -n "$1" addr add "$7/24" dev "$2" && ip -n "$1" link set "$2" up
}
wg_go "$B" "$GO_B" "$KEY_B" "$PUB_A" 10.94.0.1 10.203.0.1 10.203.0.2
ip netns exec "$B" iperf3 -s -p 5201 >/dev/null 2>&1 &
PIDS+=($!)
cat >"$TMP/pong.yaml" <<'EOF'
name: startup-pong
tunnel:
  provider: pong
  settings:
    addresses: [10.7.0.1/24]
    routes: [10.7.0.0/24]
    mtu: 1400
EOF
cat >"$TMP/wg.conf" <<EOF
[Interface]
PrivateKey = $KEY_A
Address = 10.203.0.1/24
ListenPort = 51820
[Peer]
PublicKey = $PUB_B
Endpoint = 10.94.0.2:51820
AllowedIPs = 10.203.0.2/32
EOF
iperf_gbps() { # iperf_gbps SECONDS: receiver Gbit/s from A to B through the tunnel
  inA iperf3 -c 10.203.0.2 -p 5201 -t "$1" -f m 2>/dev/null | awk '/receiver/ {for (i=1;i<=NF;i++) if ($i=="Mbits/sec") print $(i-1)/1000}'
}
# netext MODE ARGS...: starts bin/netext ARGS in A the MODE way; its pid (java's: ip, env and bash exec) in NX
netext() {
  local mode=$1
  shift
  # shellcheck disable=SC2046
  # not through inA: a backgrounded function is a subshell, and $! would be its pid instead of java's
  ip netns exec "$A" env $(mode_env "$mode") ${EXTRA:+NETEXT_JAVA_OPTS="$EXTRA"} bin/netext "$@" >>"$TMP/netext-$mode.log" 2>&1 &
  NX=$!
}

echo "netext start-up bench: $(nproc) cores, JDK $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*build \([^,)]*\).*/\1/p' | head -1), $ROUNDS rounds, load $(load)"
if [ "$MATRIX_ONLY" = 0 ]; then
for m in $MODES; do : >"$TMP/dns.$m"; : >"$TMP/pong.$m"; : >"$TMP/wg.$m"; : >"$TMP/first5.$m"; : >"$TMP/warm.$m"; : >"$TMP/rss.$m"; : >"$TMP/dnscpu.$m"; : >"$TMP/pongcpu.$m"; : >"$TMP/wgcpu.$m"; done
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    t0=$(now_ms)
    netext "$m" dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache 1000
    until_ok "dig @127.0.0.1 -p 5301 +tries=1 +time=1 +short first$r.bench.example | grep -q 10.0.0.1" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/dns.$m" && cpu_ms "$NX" >>"$TMP/dnscpu.$m"
    stop "$NX"

    t0=$(now_ms)
    netext "$m" up "$TMP/pong.yaml"
    until_ok "ping -c 1 -W 1 10.7.0.2" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/pong.$m" && cpu_ms "$NX" >>"$TMP/pongcpu.$m"
    sleep 5
    rss_kib "$NX" >>"$TMP/rss.$m"
    stop "$NX"

    t0=$(now_ms)
    netext "$m" wg up "$TMP/wg.conf"
    until_ok "ping -c 1 -W 1 10.203.0.2" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/wg.$m" && cpu_ms "$NX" >>"$TMP/wgcpu.$m"
    iperf_gbps 5 >>"$TMP/first5.$m"
    iperf_gbps 5 >/dev/null
    iperf_gbps 5 >>"$TMP/warm.$m"
    stop "$NX"
  done
  echo "  round $r done, load $(load)"
done
printf '\n  %-40s %12s %12s %14s %s\n' "median of $ROUNDS (load $(load))" defaults options options+cache "goal"
row() { # row LABEL FILE GOAL
  printf '  %-40s' "$1"
  for m in $MODES; do printf ' %12s' "$(median <"$TMP/$2.$m")"; done
  printf '   %s\n' "$3"
}
row "ms to first answer, dns serve" dns "<= 500"
row "ms to first ping, up (pong)" pong "<= 500"
row "ms to first ping, wg up" wg "<= 500"
row "CPU ms to first answer, dns serve" dnscpu ""
row "CPU ms to first ping, up (pong)" pongcpu ""
row "CPU ms to first ping, wg up" wgcpu ""
row "Gbit/s wg up, first 5 s" first5 ">= 1.0x go<->go"
row "Gbit/s wg up, warm" warm ""
row "RSS KiB, up (pong) idle" rss "<= 65536"

# wireguard-go in A in netext's place: the yardstick, warmed for 2 s first
wg_go "$A" "$GO_A" "$KEY_A" "$PUB_B" 10.94.0.2 10.203.0.2 10.203.0.1
until_ok "ping -c 1 -W 1 10.203.0.2"
iperf_gbps 2 >/dev/null
: >"$TMP/go"
for _ in $(seq "$ROUNDS"); do iperf_gbps 5 >>"$TMP/go"; done
go=$(median <"$TMP/go")
printf '  %-40s %12s   (rounds: %s)\n' "Gbit/s wireguard-go <-> wireguard-go" "$go" "$(paste -sd' ' "$TMP/go")"
for m in $MODES; do
  awk -v a="$(median <"$TMP/first5.$m")" -v b="$(median <"$TMP/warm.$m")" -v g="$go" -v m="$m" \
    'BEGIN {printf "  %-40s first 5 s %.2fx, warm %.2fx of wireguard-go <-> wireguard-go\n", "wg up (" m ")", a/g, b/g}'
done
for m in dns pong wg dnscpu pongcpu wgcpu; do
  awk -v d="$(median <"$TMP/$m.defaults")" -v c="$(median <"$TMP/$m.options+cache")" -v m="$m" \
    'BEGIN {printf "  %-40s options+cache takes %.2fx of defaults\n", "to first answer/ping, " m, c/d}'
done

fi

# One option at a time on top of the JVM's defaults: what each does to an idle pong tunnel (RSS) and its start (CPU)
echo
printf '  %-92s %10s %14s\n' "up (pong), options on top of the JVM defaults, no cache (load $(load))" "idle RSS" "CPU ms to ping"
while IFS= read -r opts; do
  EXTRA="$opts" netext defaults up "$TMP/pong.yaml"
  until_ok "ping -c 1 -W 1 10.7.0.2" "$NX" || echo "  (no ping: $(tail -1 "$TMP/netext-defaults.log"))"
  c=$(cpu_ms "$NX")
  sleep 5
  printf '  %-92s %10s %14s\n' "${opts:-(none)}" "$(rss_kib "$NX")" "$c"
  stop "$NX"
done <<EOF

-XX:+UseSerialGC
-XX:+UseSerialGC -Xms8m -Xmx64m
-XX:+UseSerialGC -Xms8m -Xmx64m -XX:+UseCompactObjectHeaders
-XX:+UseSerialGC -Xms8m -Xmx64m -XX:ReservedCodeCacheSize=32m
-XX:+UseSerialGC -Xms8m -Xmx64m -Dio.netty.allocator.numDirectArenas=1 -Dio.netty.allocator.numHeapArenas=1
-XX:+UseSerialGC -Xms8m -Xmx64m -Xss256k
-XX:+UseSerialGC -Xms8m -Xmx64m -XX:TieredStopAtLevel=1
-XX:+UseSerialGC -Xms8m -Xmx64m -XX:TrimNativeHeapInterval=2000
$NETEXT_JVM_COMMON $(netext_role_options up)
$NETEXT_JVM_COMMON $(netext_role_options up) -XX:AOTCache=$ROOT/netext-cli/target/dist/netext.aot -Xlog:aot*=off
EOF

for i in $(seq 0 $((NAMES - 1))); do echo "h$i.bench.example A"; done >"$TMP/queries"
echo
printf '  %-92s %10s\n' "dns serve holding $NAMES names, options on top of the JVM defaults (load $(load))" "RSS KiB"
while IFS= read -r opts; do
  EXTRA="$opts" netext defaults dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache $((NAMES + NAMES / 2))
  if until_ok "dig @127.0.0.1 -p 5301 +tries=1 +time=1 +short probe.bench.example | grep -q 10.0.0.1" "$NX"; then
    inA dnsperf -s 127.0.0.1 -p 5301 -d "$TMP/queries" -n 1 -c 10 -q 200 >/dev/null
    sleep 2
    printf '  %-92s %10s\n' "${opts:-(none)}" "$(rss_kib "$NX")"
  fi
  stop "$NX"
done <<EOF

-XX:+UseSerialGC -Xmx48m
-XX:+UseSerialGC -Xmx32m
-XX:+UseSerialGC -Xmx48m -Xmn4m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20
$NETEXT_JVM_COMMON $(netext_role_options dns)
$NETEXT_JVM_COMMON $(netext_role_options dns) -Dio.netty.allocator.numDirectArenas=1
$NETEXT_JVM_COMMON $(netext_role_options dns) -Dio.netty.allocator.type=unpooled
$NETEXT_JVM_COMMON $(netext_role_options dns) -XX:TieredStopAtLevel=1
-XX:+UseSerialGC -Xmx48m -XX:TrimNativeHeapInterval=2000
$NETEXT_JVM_COMMON $(netext_role_options dns) -XX:AOTCache=$ROOT/netext-cli/target/dist/netext.aot -Xlog:aot*=off
EOF
[ "$MATRIX_ONLY" = 0 ] || exit 0

# Native Memory Tracking of the footprint (options+cache): an idle pong tunnel, then dns serve holding NAMES names
nmt() { # nmt LABEL PID
  echo
  echo "  NMT $1: RSS $(rss_kib "$2") KiB (NMT's own bookkeeping included), committed KiB by category:"
  "$JCMD" "$2" VM.native_memory summary scale=KB 2>/dev/null |
    sed -n 's/^-  *\([A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\2 \1/p; s/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1 Total (JVM-known)/p' |
    sort -rn | awk '$1 >= 256 {printf "    %8d  %s\n", $1, substr($0, index($0, " ") + 1)}'
}
EXTRA=-XX:NativeMemoryTracking=summary netext options+cache up "$TMP/pong.yaml"
until_ok "ping -c 1 -W 1 10.7.0.2" "$NX"
sleep 5
nmt "up (pong) idle" "$NX"
stop "$NX"
EXTRA=-XX:NativeMemoryTracking=summary netext options+cache dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache $((NAMES + NAMES / 2))
until_ok "dig @127.0.0.1 -p 5301 +tries=1 +time=1 +short probe.bench.example | grep -q 10.0.0.1" "$NX"
inA dnsperf -s 127.0.0.1 -p 5301 -d "$TMP/queries" -n 1 -c 10 -q 200 >/dev/null
nmt "dns serve, $NAMES names cached" "$NX"
stop "$NX"
grep -h 'dns serving\|dns stopped' "$TMP/netext-options+cache.log" | tail -2 | sed 's/^/  /'

if [ "$DNS_BENCH" = 1 ]; then
  echo
  echo "  bench/dns.sh with the dns role's options (load $(load)):"
  bench/netext-bench dns --names "$NAMES" --seconds 5 --rounds 3 --java-opts "$NETEXT_JVM_COMMON $(netext_role_options dns)"
fi
