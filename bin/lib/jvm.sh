# netext's JVM options, written once: sourced by bin/netext (a checkout: LIB_DIR is netext-cli/target/dist/lib) and by
# the Debian package's launcher (LIB_DIR /usr/lib/netext/lib). POSIX sh. docs/PERFORMANCE.md ("Start-up and
# footprint") has the measurements behind each option.
#
#   netext_jvm_options LIB_DIR COMMAND [SUBCOMMAND]
# sets NETEXT_JVM to the options for that command's role, plus that role's AOT cache LIB_DIR/../netext-ROLE.aot when
# the key written beside it (netext.aot.key) still matches the jars of LIB_DIR. A missing, stale, corrupt or foreign cache
# means a normal start: the key check skips a stale one, and -Xlog:aot*=off keeps the JVM's own refusal (another JDK
# build, other flags) from printing on stdout. bin/lib/aot-train.sh writes the cache and its key.

# The flags every role shares; the AOT cache is trained with them (a cache dumped without compact object headers is
# refused by a JVM running with them, and the other way round).
NETEXT_JVM_COMMON="-XX:+UseSerialGC -XX:+UseCompactObjectHeaders -XX:-UsePerfData"

# glibc's malloc arenas, exported by launch.sh for every role: by default a thread that mallocs under contention gets
# an arena of its own (up to 8 a core), and each keeps its own freed chunks and top; netext's native allocations (the
# JIT's arenas, direct buffers' chunks) need two. `dns serve` holding 100k names, settled: 92.7-94.8 -> 91.6-92.8 MiB
# RSS; idle roles within their run-to-run spread. docs/PERFORMANCE.md ("Memory at idle and at 100k names").
NETEXT_MALLOC_ARENA_MAX=2

# The role of a command line: daemon, up, wg (wg up), dns (dns serve), sandbox (also capture: runs until Ctrl-C), or
# cli (everything short-lived). netext_set_role sets _nx_role (the launcher's path: no subshell per function on
# every start); netext_role prints it.
netext_set_role() {
  case "${1:-}" in
    daemon) _nx_role=daemon ;;
    up) _nx_role=up ;;
    sandbox | capture) _nx_role=sandbox ;;
    wg) if [ "${2:-}" = up ]; then _nx_role=wg; else _nx_role=cli; fi ;;
    dns) if [ "${2:-}" = serve ]; then _nx_role=dns; else _nx_role=cli; fi ;;
    *) _nx_role=cli ;;
  esac
}
netext_role() {
  netext_set_role "$@"
  echo "$_nx_role"
}

# What the long-running roles (up, dns, daemon; not wg, below) add: the JIT's thresholds ×4, so start-up's code stays
# interpreted or in C1 and the compilers leave the main thread its core (2 cores, quiet, role caches: first DNS answer
# 608 -> 510 ms, first pong ping 572 -> 518 ms, 880 -> 615 CPU ms; hot paths reach C2 a fraction of a second later:
# wg up's first 5 s 0.61 -> 0.64 Gbit/s, cached DNS answers per CPU-second within 3 %). docs/PERFORMANCE.md.
NETEXT_JVM_LONG_RUNNING="-XX:CompileThresholdScaling=4"

# Options of each role, beyond the common ones: netext_set_role_options sets _nx_role_options, netext_role_options
# prints them.
netext_set_role_options() {
  case "$1" in
    # a tunnel idles most of its life: a small heap, a small code cache, and the C heap the JIT freed given back to
    # the system every 2 s (malloc_trim). (Netty 4.2's default allocator is the adaptive one: the pooled allocator's
    # io.netty.allocator.num*Arenas would change nothing.)
    up) _nx_role_options="$NETEXT_JVM_LONG_RUNNING -XX:TrimNativeHeapInterval=2000 -Xms8m -Xmx64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=64m" ;;
    # the packet path allocates nothing per packet; the heap only holds peers and timers. A tunnel's job is
    # throughput, so its C2 code is the JIT's own, not start-up's: the JIT's default thresholds (not ×4: warm Gbit/s
    # +14-17 %, MB per CPU-s +26 %) and no replay of the cache's training profiles (the cache still gives the classes;
    # C2 code compiled early from the training's profiles cost the sender's TUN thread 0.4-0.9 µs a packet, ~15 % of
    # netext <-> netext); for ~30-100 ms more to the first ping and ~10 MiB more RSS under load.
    # docs/PERFORMANCE.md ("Session 10: the wg role's JIT").
    wg) _nx_role_options="-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining -XX:TrimNativeHeapInterval=2000 -Xms8m -Xmx64m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=64m" ;;
    # cached answers live off-heap (--cache-bytes): the heap holds only queries in flight and the cache's index, so
    # the old generation is kept 10-20 % above what is live (what a burst of new names made Serial grow it to goes
    # back after a collection) and the young one small: 128 -> 116 MiB RSS at 100k names, the same answers per CPU-second
    dns) _nx_role_options="$NETEXT_JVM_LONG_RUNNING -XX:TrimNativeHeapInterval=2000 -Xms8m -Xmx48m -Xmn4m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:ReservedCodeCacheSize=32m" ;;
    # several profiles, each a tunnel or filter: room for all of them
    daemon) _nx_role_options="$NETEXT_JVM_LONG_RUNNING -XX:TrimNativeHeapInterval=2000 -Xms16m -Xmx256m -XX:ReservedCodeCacheSize=48m" ;;
    sandbox) _nx_role_options="-Xmx128m" ;;
    # a command that ends in a second: C1 only (C2 would compile nothing in time), a small heap
    *) _nx_role_options="-XX:TieredStopAtLevel=1 -Xmx64m" ;;
  esac
}
netext_role_options() {
  netext_set_role_options "$1"
  echo "$_nx_role_options"
}

# A fingerprint of the jars of $1 (names, sizes, modification times): the cache records classes, and a JVM given
# changed jars under the same names would not notice that on its own.
netext_aot_key() {
  (cd "$1" && stat -c '%n %s %Y' -- *.jar) | cksum
}

# Whether LIB_DIR's cache is missing or of other jars: aot-train.sh writes the key, or "untrained KEY" when it could
# not train (not root, no namespaces), so a launcher tries again only when the jars change.
# It keeps the key it computed for netext_jvm_options (the same launcher's next step), which then needs no second one.
netext_aot_stale() {
  _nx_key_lib=$1 _nx_key=$(netext_aot_key "$1")
  [ -f "$1/../netext.aot.key" ] || return 0
  read -r _nx_saved <"$1/../netext.aot.key" || _nx_saved=
  [ "${_nx_saved#untrained }" != "$_nx_key" ]
}

# The roles that have an AOT cache of their own, each trained by its own workload (bin/lib/aot-train.sh): a cache loads
# every class it holds at start, so one cache for every role made `status` load the DNS server and WireGuard.
NETEXT_AOT_ROLES="cli dns up wg daemon"

# The AOT cache a role's commands use: LIB_DIR/../netext-ROLE.aot. The sandbox runs profiles as the daemon does.
# NETEXT_AOT_ROLE=all: the single cache trained on every role's workload (bench/startup.sh's comparison).
netext_set_aot_cache() { # sets _nx_aot
  case "${NETEXT_AOT_ROLE:-$2}" in
    sandbox) _nx_aot=$1/../netext-daemon.aot ;;
    *) _nx_aot=$1/../netext-${NETEXT_AOT_ROLE:-$2}.aot ;;
  esac
}
netext_aot_cache() {
  netext_set_aot_cache "$@"
  echo "$_nx_aot"
}

netext_jvm_options() {
  _nx_lib=$1
  shift
  netext_set_role "$@"
  netext_set_role_options "$_nx_role"
  NETEXT_JVM="$NETEXT_JVM_COMMON $_nx_role_options"
  # NETEXT_JVM_DEFAULTS=1: the JVM's own defaults and no cache (what bench/startup.sh compares against)
  if [ "${NETEXT_JVM_DEFAULTS:-0}" = 1 ]; then NETEXT_JVM= && return 0; fi
  netext_set_aot_cache "$_nx_lib" "$_nx_role"
  if [ "${NETEXT_AOT:-1}" != 0 ] && [ -f "$_nx_aot" ] && [ -f "$_nx_lib/../netext.aot.key" ]; then
    read -r _nx_saved <"$_nx_lib/../netext.aot.key" || _nx_saved=
    [ "${_nx_key_lib:-}" = "$_nx_lib" ] || { _nx_key_lib=$_nx_lib && _nx_key=$(netext_aot_key "$_nx_lib"); }
    if [ "$_nx_saved" = "$_nx_key" ]; then NETEXT_JVM="$NETEXT_JVM -XX:AOTCache=$_nx_aot -Xlog:aot*=off"; fi
  fi
}

# The class path of LIB_DIR's jars in a fixed order (a cache records the order of the class path it was trained on):
# the shell's glob, sorted as ls sorts them (the jars' names have no blanks). netext_set_class_path sets _nx_cp,
# netext_class_path prints it.
netext_set_class_path() {
  _nx_cp=
  for _nx_jar in "$1"/*.jar; do _nx_cp=${_nx_cp:+$_nx_cp:}$_nx_jar; done
}
netext_class_path() {
  netext_set_class_path "$1"
  echo "$_nx_cp"
}
