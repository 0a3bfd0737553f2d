#!/usr/bin/env bash
# iperf3 (TCP) between two namespaces over a veth: bare veth, wireguard-go <-> wireguard-go, netext <-> wireguard-go
# (both directions) and netext <-> netext, in one run; prints Gbit/s and the ratio to wireguard-go <-> wireguard-go.
# netext runs as a user starts it (bin/netext wg up: the wg role's JVM options and AOT cache; --plain-jvm: a JVM
# with its defaults instead). Needs root, wireguard-go, wireguard-tools, iperf3.
# Options: --seconds 5 --rounds 3 --cases go-go,nx-nx --jvm-opt OPT (repeatable, after the launcher's) --plain-jvm
set -euo pipefail
cd "$(dirname "$0")/.."
# build both first when stale, the bench (whose build repackages netext's jars) before the launcher's training: no
# build and no training inside the timings
bench/netext-bench --version >/dev/null
bin/netext --version >/dev/null
exec bench/netext-bench wireguard "$@"
