# How netext's JVM is started, written once: sourced by bin/netext (a checkout: the JDK bin/lib/java.sh found, the
# jars of netext-cli/target/dist/lib) and by /usr/bin/netext (the Debian package: its jlinked runtime and the jars
# of /usr/lib/netext/lib; packaging/deb copies this file to /usr/lib/netext/launch.sh). POSIX sh.
#
#   netext_exec JAVA_HOME LIB_DIR LAUNCHER [ARGS...]
# replaces the shell with netext's Main on the jars of LIB_DIR; source bin/lib/jvm.sh before this file. LAUNCHER is the script's own absolute path, which
# 'netext install' writes into the unit it generates. NETEXT_JAVA_OPTS adds JVM options (after netext's own).
netext_exec() {
  _nx_java=$1/bin/java _nx_lib=$2 _nx_launcher=$3
  shift 3
  # Every netext command's JVM options: its role's and the AOT cache beside the jars ($_nx_lib/../netext.aot) while
  # its key matches them, from bin/lib/jvm.sh, which the launcher sources first (shipped as /usr/lib/netext/jvm.sh).
  # NETEXT_JVM and NETEXT_JAVA_OPTS are lists of options: split on purpose.
  netext_jvm_options "$_nx_lib" "$@"
  # glibc's arenas (bin/lib/jvm.sh says why; not with the JVM's defaults); a caller's own MALLOC_ARENA_MAX wins
  if [ "${NETEXT_JVM_DEFAULTS:-0}" != 1 ]; then
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-$NETEXT_MALLOC_ARENA_MAX}
    export MALLOC_ARENA_MAX
  fi
  netext_set_class_path "$_nx_lib"
  # shellcheck disable=SC2086
  exec "$_nx_java" $NETEXT_JVM --enable-native-access=ALL-UNNAMED ${NETEXT_JAVA_OPTS:-} \
    -Dnetext.launcher="$_nx_launcher" -cp "$_nx_cp" dev.netext.cli.Main "$@"
}
