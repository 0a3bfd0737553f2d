#!/usr/bin/env bash
# What a user's first flows pay on the fast path: connect + request + first reply byte of NEW short TCP connections
# through a real `netext up` with a flow filter (bin/netext: the up role's JVM options and AOT cache), against the
# same connections direct, in turns in one run. bench/flows.sh measures the flow layer hosted in its own JVM (JVM
# defaults, no cache) after warm-up connections; this is the command a user starts, from its first flow.
# In two throwaway namespaces joined by a veth: a Python HTTP-ish server in B (one reply per connection), a Python
# client in A timing each connection (both the same for direct and netext, so their own cost cancels in the
# difference). Per round: direct, then netext up started fresh (its table in place, then 1 s), N connections.
# Prints per mode the p50/p90 of all N, of the first and of the last 100, and the added p50 against direct.
#   Options: --rounds 5 --connections 300 --other DIR (a second checkout's bin/netext, in turns: before/after)
#            --opts "JVM OPTIONS" (NETEXT_JAVA_OPTS for netext, e.g. -XX:CompileThresholdScaling=1)
# Needs root and python3 (packages/debian.txt, role bench).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5 N=300 OTHER= OPTS=
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --connections) N=$2; shift 2 ;;
    --other) OTHER=$(cd "$2" && pwd); shift 2 ;;
    --opts) OPTS=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--connections N] [--other DIR] [--opts OPTIONS]" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "bench/flow-setup.sh: needs python3 (packages/debian.txt, role bench)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/flow-setup.sh: needs root (namespaces, the flow filter)" >&2; exit 1; }

bin/netext --version >/dev/null # builds and trains first when stale: no build inside the timings
[ -z "$OTHER" ] || "$OTHER/bin/netext" --version >/dev/null

tag=$$ A="nxfs-a-$$" B="nxfs-b-$$" TMP=$(mktemp -d)
SERVER=
cleanup() {
  [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$A" && ip -n "$A" link set lo up
ip netns add "$B" && ip -n "$B" link set lo up
ip link add "fsa$tag" netns "$A" type veth peer name "fsb$tag" netns "$B"
ip -n "$A" addr add 10.96.0.1/24 dev "fsa$tag" && ip -n "$A" link set "fsa$tag" up
ip -n "$B" addr add 10.96.0.2/24 dev "fsb$tag" && ip -n "$B" link set "fsb$tag" up

cat >"$TMP/server.py" <<'PY'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.96.0.2", 7000))
s.listen(512)
while True:
    c, _ = s.accept()
    try:
        c.recv(1024)
        c.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        c.close()
PY
cat >"$TMP/client.py" <<'PY'
import socket, sys, time
n, lat = int(sys.argv[1]), []
for i in range(n):
    t0 = time.perf_counter_ns()
    c = socket.create_connection(("10.96.0.2", 7000), timeout=5)
    c.sendall(b"GET / HTTP/1.1\r\nHost: s%d.setup.example\r\n\r\n" % (i % 64))
    c.recv(256)
    lat.append((time.perf_counter_ns() - t0) / 1000)
    c.close()
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
print("%.0f %.0f %.0f %.0f" % (q(lat, 0.5), q(lat, 0.9), q(lat[:100], 0.5), q(lat[-100:], 0.5)))
PY
cat >"$TMP/filter.yaml" <<'EOF'
name: setup-bench
filter:
  rules:
    - { host: "*.blocked.test", action: drop }
  default: allow
EOF
ip netns exec "$B" python3 "$TMP/server.py" >/dev/null 2>&1 &
SERVER=$!
sleep 0.5

# measure MODE LAUNCHER: one round of N connections, netext up started fresh (LAUNCHER empty: direct)
measure() {
  local mode=$1 launcher=$2 nx=
  if [ -n "$launcher" ]; then
    ip netns exec "$A" env NETEXT_JAVA_OPTS="$OPTS" "$launcher" up "$TMP/filter.yaml" >>"$TMP/netext-$mode.log" 2>&1 &
    nx=$!
    for _ in $(seq 300); do ip netns exec "$A" nft list tables 2>/dev/null | grep -q netext && break; sleep 0.05; done
    sleep 1
  fi
  ip netns exec "$A" python3 "$TMP/client.py" "$N" >>"$TMP/$mode"
  if [ -n "$nx" ]; then kill -TERM "$nx"; wait "$nx" || true; fi
}

MODES="direct netext"
[ -z "$OTHER" ] || MODES="direct other netext"
echo "flow setup bench: 2 cores, $ROUNDS rounds of $N connections, load $(cut -d' ' -f1-3 /proc/loadavg)${OPTS:+, NETEXT_JAVA_OPTS=$OPTS}"
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    case $m in direct) measure direct "" ;; other) measure other "$OTHER/bin/netext" ;; netext) measure netext "$PWD/bin/netext" ;; esac
  done 2>/dev/null
  echo "  round $r done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
median() { sort -n | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "$TMP/$1" | median; }
printf '  %-8s %10s %10s %16s %16s %12s   (medians of the rounds; every round below)\n' mode "p50 µs" "p90 µs" "first 100 p50" "last 100 p50" "added p50"
d=$(col direct 1)
for m in $MODES; do
  printf '  %-8s %10s %10s %16s %16s %12s\n' "$m" "$(col "$m" 1)" "$(col "$m" 2)" "$(col "$m" 3)" "$(col "$m" 4)" \
    "$(awk -v a="$(col "$m" 1)" -v b="$d" 'BEGIN {printf "%+d", a - b}')"
done
for m in $MODES; do echo "  $m: $(tr '\n' ';' <"$TMP/$m")"; done
