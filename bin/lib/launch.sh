# How netext's JVM is started, written once: sourced by bin/netext (a checkout: the JDK bin/lib/java.sh found, the
# jars of netext-cli/target/dist/lib) and by /usr/bin/netext (the Debian package: its jlinked runtime and the jars
# of /usr/lib/netext/lib; packaging/deb copies this file to /usr/lib/netext/launch.sh). POSIX sh.
#
#   netext_exec JAVA_HOME LIB_DIR LAUNCHER [ARGS...]
# replaces the shell with netext's Main on the jars of LIB_DIR. LAUNCHER is the script's own absolute path, which
# 'netext install' writes into the unit it generates. NETEXT_JAVA_OPTS adds JVM options (after netext's own).
netext_exec() {
  _nx_java=$1/bin/java _nx_lib=$2 _nx_launcher=$3
  shift 3
  # Every netext command's JVM options. An AOT cache shipped beside the jars ($_nx_lib/../netext.aot, to be
  # trained for this runtime and class path) belongs here too, as -XX:AOTCache=… when the file is there.
  # NETEXT_JAVA_OPTS is a list of options: split on purpose.
  # shellcheck disable=SC2086
  exec "$_nx_java" --enable-native-access=ALL-UNNAMED ${NETEXT_JAVA_OPTS:-} \
    -Dnetext.launcher="$_nx_launcher" -cp "$_nx_lib/*" dev.netext.cli.Main "$@"
}
