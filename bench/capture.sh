#!/usr/bin/env bash
# pcapng capture of a tunnel: `netext capture` (through the daemon's control socket) vs dumpcap (Wireshark's capture
# engine, AF_PACKET) on the same TUN device, side by side in one run. A pong tunnel under `netext daemon` in a
# throwaway namespace answers a ping flood; each tool captures it for the same time. Prints the flood's rate with no
# capture, with each tool, and the share of tunnel packets each one wrote to its file (tshark counts them).
# Needs root. Usage: bench/capture.sh [SECONDS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
ns="nxbench-cap-$$"
work="$(mktemp -d)"
daemon_pid=""
cleanup() {
  [ "$BASHPID" = "$$" ] || return 0   # not in command substitutions
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
bin/netext --version >/dev/null 2>&1 || true   # builds on first use
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
mkdir -p "$work/profiles.d"
cat > "$work/profiles.d/pong.yaml" <<YAML
name: pong
tunnel:
  provider: pong
  interface: nxcap0
  settings:
    addresses: [10.99.0.1/24]
YAML
ip netns exec "$ns" bin/netext daemon --profiles-dir "$work/profiles.d" --control "$work/control.sock" \
  --state-dir "$work/state" --metrics off > "$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do grep -q "ready" "$work/daemon.log" 2>/dev/null && break; sleep 0.2; done
for _ in $(seq 100); do ip -n "$ns" link show nxcap0 >/dev/null 2>&1 && break; sleep 0.2; done

flood() { # prints packets transmitted+received in $secs seconds
  { ip netns exec "$ns" timeout -s INT "$secs" ping -f -q 10.99.0.2 2>/dev/null || true; } | awk '/packets transmitted/ {print $1 + $4}'
}
count() { tshark -r "$1" 2>/dev/null | wc -l; }

base=$(flood)

ip netns exec "$ns" bin/netext capture --tunnel pong -w "$work/netext.pcapng" --control "$work/control.sock" \
  > "$work/netext.log" 2>&1 &
cap=$!
for _ in $(seq 100); do grep -q "capturing on" "$work/netext.log" && break; sleep 0.1; done
with_netext=$(flood)
sleep 0.5; kill -TERM "$cap"; wait "$cap" || true
netext_written=$(count "$work/netext.pcapng")

ip netns exec "$ns" dumpcap -q -i nxcap0 -w "$work/dumpcap.pcapng" > "$work/dumpcap.log" 2>&1 &
cap=$!
sleep 1.5
with_dumpcap=$(flood)
sleep 0.5; kill -TERM "$cap"; wait "$cap" || true
dumpcap_written=$(count "$work/dumpcap.pcapng")

echo "ping -f through the pong tunnel for ${secs}s (packets both ways):"
printf "  %-22s %10s pkts  %8.0f pkts/s\n" "no capture" "$base" "$(echo "$base / $secs" | bc -l)"
printf "  %-22s %10s pkts  %8.0f pkts/s  wrote %s (%.1f%%)\n" "netext capture" "$with_netext" "$(echo "$with_netext / $secs" | bc -l)" \
  "$netext_written" "$(echo "100 * $netext_written / $with_netext" | bc -l)"
printf "  %-22s %10s pkts  %8.0f pkts/s  wrote %s (%.1f%%)\n" "dumpcap" "$with_dumpcap" "$(echo "$with_dumpcap / $secs" | bc -l)" \
  "$dumpcap_written" "$(echo "100 * $dumpcap_written / $with_dumpcap" | bc -l)"
printf "  tunnel rate under capture, netext/dumpcap: %.2f\n" "$(echo "$with_netext / $with_dumpcap" | bc -l)"
grep -h "dropped\|captured" "$work/netext.log" | sed 's/^/  netext: /' || true
