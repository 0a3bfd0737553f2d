#!/usr/bin/env bash
# netext's start-up and footprint (issue 12 §3), side by side in one run. Every netext command is started through
# bin/netext, the launcher people use, in several modes in turns (--modes, a list of):
#   defaults     the JVM's own defaults, no AOT cache (the launcher before bin/lib/jvm.sh)
#   options      the role's options of bin/lib/jvm.sh, no cache (NETEXT_AOT=0)
#   one-cache    the role's options and the single cache trained on every role's workload (NETEXT_AOT_ROLE=all: what
#                bin/netext did before caches per role; trained here when missing)
#   role-cache   the role's options and the role's own cache: what bin/netext does
#   up-cache     the role's options and the up role's cache (for `up` of a WireGuard profile: which cache serves it)
#   no-replay    role-cache with -XX:-AOTReplayTraining (the cache's classes, not its training profiles)
#   no-warmup    role-cache with -Dnetext.warmup=false (the main thread does the warm-up thread's steps itself:
#                dev.netext.cli.StartupWarmup)
#   other        role-cache of another checkout's bin/netext (--other DIR, built and trained first): two builds in turns
# In a throwaway lab (namespace A; B holds a wireguard-go peer), per mode:
#   - ms from the command to: `netext --version` ending; the first answer of `dns serve` (forwarding to a dnsmasq in
#     A); the first ping through a `pong` tunnel (`up`); the first ping through `netext wg up` to wireguard-go in B;
#     the first ping through a pong tunnel netextd runs (`daemon`); with the CPU ms the java process had used then,
#     and its main thread's (the critical path on 2 cores: the compilers and the warm-up thread run beside it);
#   - RSS of `dns serve`, `up`, `daemon` idle 8 s after their first answer/ping (what start-up's compilations freed is
#     resident until the native heap's trimmer runs: a read at 5 s was 4.6 MiB high in about half the starts), of
#     `wg up` 5 s after its iperf3 runs;
#     for `dns serve` and `up` also where it is (/proc/PID/smaps): the AOT cache's mapping (and how much of it is
#     anonymous: written at start), libjvm.so, the other anonymous memory (heap, code, metaspace, malloc, stacks);
#   - iperf3 Gbit/s through `netext wg up` in the first 5 s after that first ping and once warm, against
#     wireguard-go <-> wireguard-go on the same veth;
#   - (not with --no-matrix) options one at a time on top of a role's options and cache: RSS of an idle `up` and CPU
#     to its first ping; RSS of `dns serve` holding NAMES names;
#   - a Native Memory Tracking summary of an idle `up` and of `dns serve` holding NAMES names (role-cache);
#   - then bench/dns.sh with the dns role's options: cached qps against unbound (2 threads) and dnsmasq, and the RSS
#     of all three holding the same NAMES names.
# Prints medians of ROUNDS, the ratios and the load average. Needs root, dnsmasq, unbound, dnsperf, dig,
# wireguard-go, wireguard-tools, iperf3, python3.
#   Options: --rounds 3 --names 100000 --modes "options one-cache role-cache no-replay" --roles "cli dns up wg daemon"
#            --no-dns-bench --no-matrix
#            --no-nmt --matrix-only --other DIR
#            --wg-profile: the wg role's rows run `netext up` of a profile naming the same wg-quick file
#            (tunnel: { provider: wireguard, config: … }) instead of `netext wg up` of the file
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IDLE=8 ROUNDS=3 NAMES=100000 DNS_BENCH=1 MATRIX=1 MATRIX_ONLY=0 NMT=1 MODES="options one-cache role-cache no-replay" ROLES="cli dns up wg daemon" OTHER= WG_PROFILE=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --names) NAMES=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --roles) ROLES=$2; shift 2 ;;
    --no-dns-bench) DNS_BENCH=0; shift ;;
    --no-matrix) MATRIX=0; shift ;;
    --no-nmt) NMT=0; shift ;;
    --matrix-only) MATRIX_ONLY=1; DNS_BENCH=0; shift ;;
    --other) OTHER=$(cd "$2" && pwd); shift 2 ;;
    --wg-profile) WG_PROFILE=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--names N] [--modes LIST] [--roles LIST] [--no-dns-bench] [--no-matrix] [--no-nmt] [--matrix-only] [--other DIR] [--wg-profile]" >&2; exit 2 ;;
  esac
done
for p in dnsmasq unbound dnsperf dig wireguard-go wg iperf3 python3; do
  command -v $p >/dev/null || { echo "bench/startup.sh: needs $p (packages/debian.txt, role bench)" >&2; exit 1; }
done

bin/netext --version >/dev/null # builds and trains the caches first when stale: no build inside the timings
if [[ " $MODES " == *" other "* ]]; then
  [ -n "$OTHER" ] || { echo "bench/startup.sh: mode other needs --other DIR" >&2; exit 2; }
  "$OTHER/bin/netext" --version >/dev/null
fi
# the launcher of mode $1: another checkout's for "other"
launcher() { if [ "$1" = other ]; then echo "$OTHER/bin/netext"; else echo bin/netext; fi; }
. bin/lib/java.sh
netext_use_java25
. bin/lib/jvm.sh
LIB=$ROOT/netext-cli/target/dist/lib
if [[ " $MODES " == *" one-cache "* ]] && [ ! -s "$(netext_aot_cache "$LIB" all)" ]; then
  bin/lib/aot-train.sh "$JAVA_HOME" "$LIB" all
fi
JCMD="$JAVA_HOME/bin/jcmd"
mode_env() {
  case $1 in
    defaults) echo NETEXT_JVM_DEFAULTS=1 ;;
    options) echo NETEXT_AOT=0 ;;
    one-cache) echo NETEXT_AOT_ROLE=all ;;
    up-cache) echo NETEXT_AOT_ROLE=up ;;
    role-cache | no-replay | no-warmup | other) echo NETEXT_AOT=1 ;;
    *) echo "bench/startup.sh: no mode $1" >&2; exit 2 ;;
  esac
}
mode_opts() {
  case $1 in
    no-replay) echo -XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining ;;
    no-warmup) echo -Dnetext.warmup=false ;;
  esac
}

tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
A="nxsu-a-$tag" B="nxsu-b-$tag" GO_B="nxsub$tag" GO_A="nxsua$tag"
TMP=$(mktemp -d /tmp/netext-startup.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # and whatever else still runs in the namespaces (an iperf3 server outlived a run once): nothing outlives them
  for ns in "$A" "$B"; do for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done; done
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
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo nan; }
# smaps_kib PID PREFIX: resident KiB of process PID by mapping, appended to $TMP/PREFIX{aot,aotanon,jvm,anon}.$m: the
# AOT cache (or CDS archive) and its anonymous part, libjvm.so, and the anonymous rest
smaps_kib() {
  awk -v t="$TMP/$2" -v m="$m" '
    /^[0-9a-f]+-[0-9a-f]+ / { p = $6; c = p ~ /\.(aot|jsa)$/ ? "aot" : p ~ /libjvm/ ? "jvm" : (p == "" || p ~ /^\[/) ? "anon" : "other"; next }
    /^Rss:/ { r[c] += $2 }
    /^Anonymous:/ { if (c == "aot") a += $2 }
    END { print r["aot"] + 0 > (t "aot." m); print a + 0 > (t "aotanon." m); print r["jvm"] + 0 > (t "jvm." m); print r["anon"] + 0 > (t "anon." m) }
  ' "/proc/$1/smaps" 2>/dev/null || true
}
# CPU ms (user + system, all threads) process $1 has used: unlike wall time, barely inflated by a loaded machine
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz)}' "/proc/$1/stat"; }
# CPU ms of process $1's main thread: the busiest of its threads named java (the launcher's first thread waits)
main_cpu_ms() {
  cat "/proc/$1/task/"*/stat 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" '{n = $0; sub(/^[0-9]+ \(/, "", n); sub(/\).*/, "", n)
    c = $0; sub(/.*\) /, "", c); split(c, f, " "); v = int((f[12] + f[13]) * 1000 / hz); if (n == "java" && v > m) m = v} END {print m + 0}'
}
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
mb_per_cpu_s() { awk -v g="$1" -v c="$(($3 - $2))" 'BEGIN {if (g == "" || c <= 0) print "nan"; else printf "%d\n", g * 5 * 1000 / 8 / (c / 1000)}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# polls a command in namespace A until it succeeds: 120 s at most, and while process $2 (netext) lives, if given
until_ok() {
  inA sh -c "end=\$((\$(date +%s) + 120)); until $1 >/dev/null 2>&1; do
    [ \$(date +%s) -lt \$end ] || exit 1; [ -z '${2:-}' ] || kill -0 '${2:-}' 2>/dev/null || exit 1; sleep 0.01; done"
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# dns_answered NAME PID: asks 127.0.0.1:5301 in A for NAME every 2 ms from one process until an address comes back: 120 s
# at most, and while process PID (netext) lives. (A dig started every 10 ms took a share of the 2 cores from the start
# it timed, more so from a start that runs two threads of its own.)
dns_answered() {
  inA python3 - "$1" "$2" <<'PY'
import os, socket, struct, sys, time
name, pid = sys.argv[1], int(sys.argv[2])
query = struct.pack(">HHHHHH", 0x4e58, 0x0100, 1, 0, 0, 0) + b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\0\1\0\1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", 5301))
s.settimeout(0.002)
end = time.monotonic() + 120
while time.monotonic() < end:
    try:
        s.send(query)
        answer = s.recv(512)
        if answer[:2] == query[:2] and struct.unpack(">H", answer[6:8])[0] > 0: sys.exit(0)
    except TimeoutError:
        pass
    except ConnectionRefusedError:
        time.sleep(0.002) # not listening yet: no spinning on the cores the start needs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(1)
sys.exit(1)
PY
}

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
printf 'name: wg\ntunnel:\n  provider: wireguard\n  interface: wg\n  config: %s\n' "$TMP/wg.conf" >"$TMP/wg.yaml"
iperf_gbps() { # iperf_gbps SECONDS: receiver Gbit/s from A to B through the tunnel
  inA iperf3 -c 10.203.0.2 -p 5201 -t "$1" -f m 2>/dev/null | awk '/receiver/ {for (i=1;i<=NF;i++) if ($i=="Mbits/sec") print $(i-1)/1000}'
}
# netext MODE ARGS...: starts bin/netext ARGS in A the MODE way; its pid (java's: ip, env and bash exec) in NX
netext() {
  local mode=$1 opts
  shift
  opts="$(mode_opts "$mode") ${EXTRA:-}"
  # shellcheck disable=SC2046
  # not through inA: a backgrounded function is a subshell, and $! would be its pid instead of java's
  ip netns exec "$A" env $(mode_env "$mode") NETEXT_JAVA_OPTS="$opts" "$(launcher "$mode")" "$@" >>"$TMP/netext-$mode.log" 2>&1 &
  NX=$!
}

echo "netext start-up bench: $(nproc) cores, JDK $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*build \([^,)]*\).*/\1/p' | head -1), $ROUNDS rounds, load $(load)"
mkdir -p "$TMP/profiles.d" "$TMP/state"
role() { [[ " $ROLES " == *" $1 "* ]]; }
if [ "$MATRIX_ONLY" = 0 ]; then
FIGURES="cli dns dnscpu dnsmain dnsrss pong pongcpu pongmain rss wg wgcpu wgmain wgrss first5 warm first5eff warmeff daemon daemoncpu daemonrss"
SMAPS="dnsaot dnsaotanon dnsjvm dnsanon upaot upaotanon upjvm upanon"
for m in $MODES; do for f in $FIGURES $SMAPS; do : >"$TMP/$f.$m"; done; done
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    if role cli; then
      t0=$(now_ms)
      inA env $(mode_env "$m") NETEXT_JAVA_OPTS="$(mode_opts "$m")" "$(launcher "$m")" --version >/dev/null 2>&1 && echo $(($(now_ms) - t0)) >>"$TMP/cli.$m"
    fi

    if role dns; then
      t0=$(now_ms)
      netext "$m" dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache 1000
      dns_answered "first$r.bench.example" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/dns.$m" && cpu_ms "$NX" >>"$TMP/dnscpu.$m" && main_cpu_ms "$NX" >>"$TMP/dnsmain.$m"
      sleep "$IDLE"
      rss_kib "$NX" >>"$TMP/dnsrss.$m"
      smaps_kib "$NX" dns
      stop "$NX"
    fi

    if role up; then
      t0=$(now_ms)
      netext "$m" up "$TMP/pong.yaml"
      until_ok "ping -c 1 -W 1 10.7.0.2" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/pong.$m" && cpu_ms "$NX" >>"$TMP/pongcpu.$m" &&
        main_cpu_ms "$NX" >>"$TMP/pongmain.$m"
      sleep "$IDLE"
      rss_kib "$NX" >>"$TMP/rss.$m"
      smaps_kib "$NX" up
      stop "$NX"
    fi

    if role wg; then
      t0=$(now_ms)
      if [ "$WG_PROFILE" = 1 ]; then netext "$m" up "$TMP/wg.yaml"; else netext "$m" wg up "$TMP/wg.conf"; fi
      until_ok "ping -c 1 -W 1 10.203.0.2" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/wg.$m" && cpu_ms "$NX" >>"$TMP/wgcpu.$m" &&
        main_cpu_ms "$NX" >>"$TMP/wgmain.$m"
      # Gbit/s, and MB moved per CPU-second of netext (the JIT's progress, less bent by a loaded machine than the rate)
      c0=$(cpu_ms "$NX") g=$(iperf_gbps 5) c1=$(cpu_ms "$NX")
      echo "$g" >>"$TMP/first5.$m" && mb_per_cpu_s "$g" "$c0" "$c1" >>"$TMP/first5eff.$m"
      iperf_gbps 5 >/dev/null
      c0=$(cpu_ms "$NX") g=$(iperf_gbps 5) c1=$(cpu_ms "$NX")
      echo "$g" >>"$TMP/warm.$m" && mb_per_cpu_s "$g" "$c0" "$c1" >>"$TMP/warmeff.$m"
      sleep 5
      rss_kib "$NX" >>"$TMP/wgrss.$m"
      stop "$NX"
    fi

    if role daemon; then
      t0=$(now_ms)
      netext "$m" daemon --profiles-dir "$TMP/profiles.d" --profile "$TMP/pong.yaml" --control "$TMP/control.sock" --state-dir "$TMP/state"
      until_ok "ping -c 1 -W 1 10.7.0.2" "$NX" && echo $(($(now_ms) - t0)) >>"$TMP/daemon.$m" && cpu_ms "$NX" >>"$TMP/daemoncpu.$m"
      sleep "$IDLE"
      rss_kib "$NX" >>"$TMP/daemonrss.$m"
      stop "$NX"
    fi
  done
  echo "  round $r done, load $(load)"
done
printf '\n  %-40s' "median of $ROUNDS (load $(load))"
for m in $MODES; do printf ' %12s' "$m"; done
printf '   %s\n' goal
row() { # row LABEL FILE GOAL
  printf '  %-40s' "$1"
  for m in $MODES; do printf ' %12s' "$(median <"$TMP/$2.$m")"; done
  printf '   %s\n' "$3"
}
row "ms to end, netext --version" cli ""
row "ms to first answer, dns serve" dns "<= 500"
row "ms to first ping, up (pong)" pong "<= 500"
row "ms to first ping, wg up" wg "<= 500"
row "ms to first ping, daemon (pong)" daemon ""
row "CPU ms to first answer, dns serve" dnscpu ""
row "CPU ms to first ping, up (pong)" pongcpu ""
row "CPU ms to first ping, wg up" wgcpu ""
row "CPU ms to first ping, daemon (pong)" daemoncpu ""
row "main thread CPU ms, dns serve" dnsmain ""
row "main thread CPU ms, up (pong)" pongmain ""
row "main thread CPU ms, wg up" wgmain ""
row "Gbit/s wg up, first 5 s" first5 ">= 1.0x go<->go"
row "Gbit/s wg up, warm" warm ""
row "MB per CPU-s wg up, first 5 s" first5eff ""
row "MB per CPU-s wg up, warm" warmeff ""
row "RSS KiB, dns serve idle" dnsrss "<= 65536"
row "RSS KiB, up (pong) idle" rss "<= 65536"
row "RSS KiB, wg up after iperf3" wgrss "<= 65536"
row "RSS KiB, daemon (pong) idle" daemonrss "<= 65536"
row "  dns serve idle: AOT cache/CDS resident" dnsaot ""
row "    of it anonymous (written at start)" dnsaotanon ""
row "  dns serve idle: libjvm.so resident" dnsjvm ""
row "  dns serve idle: other anonymous" dnsanon ""
row "  up idle: AOT cache/CDS resident" upaot ""
row "    of it anonymous (written at start)" upaotanon ""
row "  up idle: libjvm.so resident" upjvm ""
row "  up idle: other anonymous" upanon ""
echo "  every round, mode by mode:"
for f in $FIGURES; do
  printf '    %-10s' "$f"
  for m in $MODES; do printf ' %s: %s;' "$m" "$(paste -sd/ "$TMP/$f.$m")"; done
  echo
done

if role wg; then
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
ip netns exec "$A" ip link del "$GO_A" 2>/dev/null || true
fi
fi

for i in $(seq 0 $((NAMES - 1))); do echo "h$i.bench.example A"; done >"$TMP/queries"
if [ "$MATRIX" = 1 ]; then
# One option at a time on top of a role's options and cache (what bin/netext runs; later options win): what each does
# to an idle pong tunnel (RSS) and its start (CPU), and to dns serve holding NAMES names
if role up; then
echo
printf '  %-92s %10s %14s\n' "up (pong), options on top of the up role's options and cache (load $(load))" "idle RSS" "CPU ms to ping"
while IFS= read -r opts; do
  EXTRA="$opts" netext role-cache up "$TMP/pong.yaml"
  until_ok "ping -c 1 -W 1 10.7.0.2" "$NX" || echo "  (no ping: $(tail -1 "$TMP/netext-role-cache.log"))"
  c=$(cpu_ms "$NX")
  sleep 5
  printf '  %-92s %10s %14s\n' "${opts:-(none)}" "$(rss_kib "$NX")" "$c"
  stop "$NX"
done <<EOF

-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining
-Xmx32m
-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20
-Xss256k
-XX:ReservedCodeCacheSize=16m
-XX:TieredStopAtLevel=1
-XX:TrimNativeHeapInterval=500
-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0
EOF
fi

if role dns; then
echo
printf '  %-92s %10s\n' "dns serve holding $NAMES names, options on top of the dns role's options and cache (load $(load))" "RSS KiB"
while IFS= read -r opts; do
  EXTRA="$opts" netext role-cache dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache $((NAMES + NAMES / 2))
  if until_ok "dig @127.0.0.1 -p 5301 +tries=1 +time=1 +short probe.bench.example | grep -q 10.0.0.1" "$NX"; then
    inA dnsperf -s 127.0.0.1 -p 5301 -d "$TMP/queries" -n 1 -c 10 -q 200 >/dev/null
    # what C2 malloc'd while the names arrived is free at once but resident until the trimmer's next run
    # (-XX:TrimNativeHeapInterval=2000): 108-112 MiB at +3 s, 92-94 from +6 s
    sleep 8
    printf '  %-92s %10s\n' "${opts:-(none)}" "$(rss_kib "$NX")"
  fi
  stop "$NX"
done <<EOF

-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining
-Dio.netty.allocator.numDirectArenas=1
-Dio.netty.allocator.type=unpooled
-XX:TieredStopAtLevel=1
EOF
fi
fi
[ "$MATRIX_ONLY" = 0 ] || exit 0

if [ "$NMT" = 1 ]; then
# Native Memory Tracking of the footprint: up idle, dns serve idle and holding NAMES names, with the role's cache and
# with the single one; and the classes each loaded (-Xlog:class+load), --version's too
nmt() { # nmt LABEL PID
  echo
  echo "  NMT $1: RSS $(rss_kib "$2") KiB (NMT's own bookkeeping included), committed KiB by category:"
  "$JCMD" "$2" VM.native_memory summary scale=KB 2>/dev/null |
    sed -n 's/^-  *\([A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\2 \1/p; s/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1 Total (JVM-known)/p' |
    sort -rn | awk '$1 >= 256 {printf "    %8d  %s\n", $1, substr($0, index($0, " ") + 1)}'
}
classes() { # classes LABEL LOG
  printf '  %-60s %6d classes loaded, %6d of them from the AOT cache\n' "$1" "$(grep -c 'source:' "$2")" "$(grep -c 'source: shared objects file' "$2")"
}
for m in role-cache one-cache; do
  EXTRA="-XX:NativeMemoryTracking=summary -Xlog:class+load:file=$TMP/classes-up.$m" netext "$m" up "$TMP/pong.yaml"
  until_ok "ping -c 1 -W 1 10.7.0.2" "$NX"
  sleep 5
  nmt "up (pong) idle, $m" "$NX"
  stop "$NX"
  EXTRA="-XX:NativeMemoryTracking=summary -Xlog:class+load:file=$TMP/classes-dns.$m" netext "$m" dns serve --listen 127.0.0.1:5301 --default 127.0.0.53 --cache $((NAMES + NAMES / 2))
  until_ok "dig @127.0.0.1 -p 5301 +tries=1 +time=1 +short probe.bench.example | grep -q 10.0.0.1" "$NX"
  sleep 5
  nmt "dns serve idle, $m" "$NX"
  inA dnsperf -s 127.0.0.1 -p 5301 -d "$TMP/queries" -n 1 -c 10 -q 200 >/dev/null
  sleep 8 # the trimmer's run (above)
  nmt "dns serve, $NAMES names cached, $m" "$NX"
  stop "$NX"
  # shellcheck disable=SC2046
  inA env $(mode_env "$m") NETEXT_JAVA_OPTS="-Xlog:class+load:file=$TMP/classes-cli.$m" "$(launcher "$m")" --version >/dev/null 2>&1
done
echo
for m in role-cache one-cache; do
  classes "netext --version, $m" "$TMP/classes-cli.$m"
  classes "up (pong) until idle, $m" "$TMP/classes-up.$m"
  classes "dns serve until $NAMES names cached, $m" "$TMP/classes-dns.$m"
done
grep -h 'dns serving\|dns stopped' "$TMP/netext-role-cache.log" | tail -2 | sed 's/^/  /'
fi

if [ "$DNS_BENCH" = 1 ]; then
  echo
  echo "  bench/dns.sh with the dns role's options (load $(load)):"
  # NAME=value words are netext's environment: what bin/lib/launch.sh exports
  bench/netext-bench dns --names "$NAMES" --seconds 5 --rounds 3 --java-opts "MALLOC_ARENA_MAX=$NETEXT_MALLOC_ARENA_MAX $NETEXT_JVM_COMMON $(netext_role_options dns)"
fi
