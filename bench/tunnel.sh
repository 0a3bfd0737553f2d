#!/usr/bin/env bash
# UDP through netext's packet tunnel host (built-in pong provider) vs the same load over the kernel's veth path to a
# UDP echo, side by side in one run on a throwaway namespace network; prints packets/s, Mbit/s and the ratio.
# Needs root. Options: --packets N --sizes 64,512,1372 --window 64 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/netext-bench tunnel "$@"
