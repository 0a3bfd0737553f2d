#!/usr/bin/env bash
# Runs the custom-filter call benchmark (netext-daemon/src/test/java/dev/netext/daemon/bench/FilterCallBench): one
# handleNewFlow called directly against the same call through SupervisedFilter's isolated executor.
#
#   bench/filter-call-jmh.sh            # both paths, one thread
#   bench/filter-call-jmh.sh -t 2       # two deciding threads
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
./mvnw -q -B -pl netext-daemon -am test-compile
./mvnw -q -B -pl netext-daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
cp="netext-daemon/target/test-classes:netext-daemon/target/classes:$(cat netext-daemon/target/jmh.classpath)"
exec "$JAVA_HOME/bin/java" -cp "$cp" dev.netext.daemon.bench.EventLogBench "FilterCallBench" "$@"
