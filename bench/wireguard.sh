#!/usr/bin/env bash
# iperf3 (TCP) between two namespaces over a veth: bare veth, wireguard-go <-> wireguard-go, netext <-> wireguard-go
# (both directions) and netext <-> netext, in one run; prints Gbit/s and the ratio to wireguard-go <-> wireguard-go.
# Needs root, wireguard-go, wireguard-tools, iperf3. Options: --seconds 5 --rounds 3 --jvm-opt OPT (repeatable)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/netext-bench wireguard "$@"
