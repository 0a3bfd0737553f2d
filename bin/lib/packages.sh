#!/bin/sh
# netext's Debian packages, from packages/debian.txt (the one list; see its header), by role:
#   packages.sh list ROLE...     the packages of these roles (runtime, sandbox, test, bench, package), one a line
#   packages.sh missing ROLE...  those of them not installed here (a package is there when all it provides is)
#   packages.sh ensure ROLE...   installs the missing ones when root on Debian/Ubuntu (apt-get update once, then
#                                apt-get install --no-install-recommends), saying which and why, in one line;
#                                elsewhere stops with one line naming them (exit 1). Nothing missing: silent.
#                                Never the unpack role: those packages must not be installed (a test unpacks them).
# Used by bin/netext sandbox, by the build before the tests (root pom) and by .ci/run. POSIX sh.
set -eu
LIST=$(cd "$(dirname "$0")/../.." && pwd)/packages/debian.txt

# "package provides" for each package with one of the roles given.
entries() {
  awk -v roles=" $* " '/^[^#]/ && NF >= 3 {
    n = split($2, r, ","); for (i = 1; i <= n; i++) if (index(roles, " " r[i] " ")) { print $1, $3; break } }' "$LIST"
}

# Whether a command (on PATH, or in the sbin directories a non-root PATH lacks) or an absolute path is there.
present() {
  case $1 in
  /*) [ -e "$1" ] ;;
  *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

missing() {
  entries "$@" | while read -r pkg provides; do
    for p in $(echo "$provides" | tr , ' '); do
      if ! present "$p"; then echo "$pkg"; break; fi
    done
  done
}

# What the roles are for, in words.
purpose() {
  out=
  for role in "$@"; do
    case $role in
    runtime) w=netext ;; sandbox) w="bin/netext sandbox" ;; test) w="the tests" ;; bench) w="the benchmarks" ;; package) w="bin/netext package" ;; *) w=$role ;;
    esac
    out="${out:+$out, }$w"
  done
  echo "$out"
}

ensure() {
  need=$(missing "$@" | tr '\n' ' ')
  need=${need% }
  [ -n "$need" ] || return 0
  why="needed by $(purpose "$@"); see packages/debian.txt"
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "netext: missing packages: $need ($why); install them as root: apt-get install $need" >&2
    exit 1
  fi
  echo "netext: installing $need with apt-get ($why)" >&2
  log=$(mktemp)
  # $need is a list of package names: split on purpose.
  # shellcheck disable=SC2086
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "netext: apt-get could not install $need (its output is above)" >&2
    exit 1
  fi
  rm -f "$log"
  still=$(missing "$@" | tr '\n' ' ')
  if [ -n "$still" ]; then
    echo "netext: installed, but still missing what these provide (see packages/debian.txt): ${still% }" >&2
    exit 1
  fi
}

[ $# -ge 2 ] || { echo "usage: $0 list|missing|ensure ROLE..." >&2; exit 2; }
action=$1
shift
case $action in
list) entries "$@" | cut -d' ' -f1 ;;
missing) missing "$@" ;;
ensure)
  case " $* " in *" unpack "*) echo "netext: the unpack role's packages are never installed (see packages/debian.txt)" >&2; exit 2 ;; esac
  ensure "$@"
  ;;
*) echo "usage: $0 list|missing|ensure ROLE..." >&2; exit 2 ;;
esac
