#!/bin/sh
# The Debian package end to end, as root on Debian (a step of .ci/run, after the tests): build it (bin/netext
# package), lintian (errors fail), apt-get install it, then from / with no source tree: netext --version, netext
# sandbox, and in a throwaway namespace the daemon as its unit starts it (status over the control socket, SIGTERM →
# exit 0) and `dns serve` answering dig; then remove (keeps /etc/netext), purge, and nothing of netext is left.
#   check.sh [DEB]     checks DEB instead of building one
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "netext package check: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

"$ROOT/bin/lib/packages.sh" ensure package
if [ $# -ge 1 ]; then DEB=$(readlink -f "$1"); else DEB=$("$ROOT/bin/netext" package | tail -1); fi
say "$DEB: $(du -h "$DEB" | cut -f1)"
say "lintian"
lintian --fail-on error "$DEB" >&2 || fail "lintian reports errors"

if dpkg -s netext >/dev/null 2>&1; then fail "netext is already installed here: purge it first (apt-get purge netext)"; fi
run_before=$(ls /run/netext 2>/dev/null || true)
NS=netext-deb-$$
cleanup() {
  if [ -n "${daemon:-}" ]; then kill "$daemon" 2>/dev/null || true; fi
  if [ -n "${dns:-}" ]; then kill "$dns" 2>/dev/null || true; fi
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT

say "apt-get install $DEB"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$DEB" >&2
[ "$(command -v netext)" = /usr/bin/netext ] || fail "netext on PATH is $(command -v netext), not the package's"
say "runtime $(du -sh /usr/lib/netext/runtime | cut -f1), jars $(du -sh /usr/lib/netext/lib | cut -f1)"
# a signed jar costs every start a signature check and stays out of the AOT cache (netext-cli/pom.xml strips BC's)
for j in /usr/lib/netext/lib/*.jar; do
  ! LC_ALL=C grep -aqE 'META-INF/[A-Za-z0-9_-]+\.(SF|RSA|DSA|EC)' "$j" || fail "$j is signed" # names are plain in a zip
done

cd /
grep -qv '^untrained' /usr/lib/netext/netext.aot.key ||
  fail "postinst trained no AOT cache (/usr/lib/netext/netext-aot-training.log: $(tail -3 /usr/lib/netext/netext-aot-training.log 2>&1))"
# one cache per role, each trained by its own workload (bin/lib/jvm.sh's NETEXT_AOT_ROLES)
for role in cli dns up wg daemon; do
  [ -s "/usr/lib/netext/netext-$role.aot" ] ||
    fail "postinst trained no AOT cache for role $role ($(grep "role $role\|$role.*failed" /usr/lib/netext/netext-aot-training.log 2>&1 | tail -3))"
done
# a class older than Java 6 stays out of the cache once linked, with every class implementing it: picocli's were read
# and verified from the jar on every start until netext-cli's build rewrote them (src/build/UpgradeClassVersion.java)
! grep -q 'Old class has been linked' /usr/lib/netext/netext-aot-training.log ||
  fail "classes left out of the AOT caches as older than Java 6: $(grep -m3 'Old class has been linked' /usr/lib/netext/netext-aot-training.log)"
say "AOT caches: $(cd /usr/lib/netext && du -m netext-*.aot | tr '\t\n' ': ')"
say "netext --version"
netext --version >&2 || fail "netext --version"
say "netext sandbox"
netext sandbox >&2 || fail "netext sandbox"

ip netns add "$NS"
ip -n "$NS" link set lo up
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/netext.service)
say "the unit's daemon in namespace $NS: $exec_start"
# The unit's command line, word-split as systemd does (it has no quotes).
# shellcheck disable=SC2086
ip netns exec "$NS" $exec_start >/tmp/netext-deb-daemon.log 2>&1 &
daemon=$!
status=
for _ in $(seq 60); do
  if status=$(ip netns exec "$NS" netext status 2>/dev/null); then break; fi
  kill -0 "$daemon" 2>/dev/null || { cat /tmp/netext-deb-daemon.log >&2; fail "the daemon exited"; }
  sleep 1
done
[ -n "$status" ] || { cat /tmp/netext-deb-daemon.log >&2; fail "netext status got no answer from the daemon"; }
echo "$status" >&2
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=
[ "$rc" = 0 ] || { cat /tmp/netext-deb-daemon.log >&2; fail "the daemon exited $rc on SIGTERM"; }
rm -f /tmp/netext-deb-daemon.log

say "netext dns serve in namespace $NS"
ip netns exec "$NS" netext dns serve --listen 127.0.0.1:5353 --block blocked.test=192.0.2.7 --default 127.0.0.1:9 \
  >/tmp/netext-deb-dns.log 2>&1 &
dns=$!
answer=
for _ in $(seq 60); do
  answer=$(ip netns exec "$NS" dig +short +time=1 +tries=1 @127.0.0.1 -p 5353 blocked.test A 2>/dev/null || true)
  [ "$answer" = 192.0.2.7 ] && break
  kill -0 "$dns" 2>/dev/null || break
  sleep 1
done
kill -TERM "$dns" 2>/dev/null || true
wait "$dns" || true
dns=
[ "$answer" = 192.0.2.7 ] || { cat /tmp/netext-deb-dns.log >&2; fail "dns serve answered '$answer' for blocked.test, not 192.0.2.7"; }
rm -f /tmp/netext-deb-dns.log
ip netns del "$NS"

say "apt-get remove: /etc/netext stays (with a profile in it), the program goes"
touch /etc/netext/profiles.d/kept.yaml
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q netext >&2
[ -f /etc/netext/profiles.d/kept.yaml ] || fail "remove deleted /etc/netext"
[ ! -e /usr/lib/netext ] && [ ! -e /usr/bin/netext ] || fail "remove left the program"

say "apt-get purge: nothing of netext is left"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q netext >&2
left=
for p in /usr/lib/netext /usr/bin/netext /etc/netext /var/lib/netext /lib/systemd/system/netext.service \
  /usr/lib/systemd/system/netext.service /etc/systemd/system/netext.service \
  /etc/systemd/system/multi-user.target.wants/netext.service /usr/share/doc/netext; do
  if [ -e "$p" ] || [ -L "$p" ]; then left="$left $p"; fi
done
# A ledger in /run/netext names its owner's pid (lab-PID-…, NAME-NETNS-PID.state): one whose owner still runs is
# another netext's (a checkout's tests, on a shared machine), not a leftover of this one.
for f in $(ls /run/netext 2>/dev/null); do
  echo "$run_before" | grep -qxF "$f" && continue
  owner=$(echo "$f" | sed -nE 's/^lab-([0-9]+)-.*/\1/p; s/.*-([0-9]+)\.state.*/\1/p')
  [ -n "$owner" ] && [ -d "/proc/$owner" ] || left="$left /run/netext/$f"
done
if dpkg -L netext >/dev/null 2>&1 || dpkg -s netext >/dev/null 2>&1; then left="$left (dpkg still knows netext)"; fi
[ -z "$left" ] || fail "left behind:$left"
say "OK: built, lintian-clean, installed, ran from / (version, sandbox, daemon, dns serve), removed, purged"
