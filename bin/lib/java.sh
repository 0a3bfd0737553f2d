# Finds a JDK 25 for netext: sourced by bin/netext and by mvnw (so `./mvnw verify` compiles and forks its test JVMs
# on it), POSIX sh. netext_use_java25 exports JAVA_HOME, in this order:
#   1. JAVA_HOME, if it is a JDK 25 or newer (an older one is ignored, with one line saying so);
#   2. the newest JDK 25+ under /usr/lib/jvm, any vendor (where Debian and the Temurin/Zulu/Corretto packages put them);
#   3. the JDK of `java` on PATH, if it is 25+;
# else it prints one line and exits.

# The major version of the JDK at $1 (its `release` file, else asking its java) into _nx_major; empty if it is no JDK.
# Read by the shell itself: the launcher runs this for every JDK in /usr/lib/jvm on every command, and a process
# per JDK was a tenth of the launcher's time.
netext_jdk_major() {
  _nx_major=
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  if [ -f "$1/release" ]; then
    while IFS= read -r _nx_line; do
      case $_nx_line in
        JAVA_VERSION=\"[0-9]*) _nx_major=${_nx_line#JAVA_VERSION=\"} _nx_major=${_nx_major%%[!0-9]*}; return 0 ;;
      esac
    done <"$1/release"
  else
    _nx_major=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
}

netext_use_java25() {
  _nx_home= _nx_best=0 _nx_old=
  if [ -n "${JAVA_HOME:-}" ]; then
    netext_jdk_major "$JAVA_HOME"
    if [ "${_nx_major:-0}" -ge 25 ]; then return 0; fi
    if [ -n "$_nx_major" ]; then _nx_old="JAVA_HOME=$JAVA_HOME (JDK $_nx_major)"; else _nx_old="JAVA_HOME=$JAVA_HOME (not a JDK)"; fi
  fi
  case $- in *f*) _nx_noglob=1; set +f ;; *) _nx_noglob= ;; esac # mvnw runs with globbing off
  for _nx_dir in /usr/lib/jvm/*; do
    netext_jdk_major "$_nx_dir"
    if [ "${_nx_major:-0}" -ge 25 ] && [ "$_nx_major" -gt "$_nx_best" ]; then _nx_home=$_nx_dir _nx_best=$_nx_major; fi
  done
  if [ -n "$_nx_noglob" ]; then set -f; fi
  if [ -z "$_nx_home" ] && _nx_java=$(command -v java 2>/dev/null); then
    _nx_dir=$(dirname "$(dirname "$(readlink -f "$_nx_java")")")
    netext_jdk_major "$_nx_dir"
    if [ "${_nx_major:-0}" -ge 25 ]; then _nx_home=$_nx_dir; fi
  fi
  if [ -z "$_nx_home" ]; then
    echo "netext: needs a JDK 25 or newer, found none (${_nx_old:-JAVA_HOME unset}; none in /usr/lib/jvm; java on PATH older or absent): install one (e.g. Temurin 25) or set JAVA_HOME to it" >&2
    exit 1
  fi
  if [ -n "${_nx_old:-}" ]; then echo "netext: ignoring $_nx_old; using $_nx_home (netext needs JDK 25)" >&2; fi
  JAVA_HOME=$_nx_home
  export JAVA_HOME
}
