#!/usr/bin/env bash
# Runs the event-log JMH benchmark (netext-daemon/src/test/java/dev/netext/daemon/bench): the cost of publishing one
# event with no reader, a reader that keeps up, and a stalled reader. Compiled by the test phase, never run by tests.
#
#   bench/events-jmh.sh                 # all
#   bench/events-jmh.sh -t 2            # two producer threads
#   bench/events-jmh.sh -prof gc        # allocation per event
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
./mvnw -q -B -pl netext-daemon -am test-compile
./mvnw -q -B -pl netext-daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
cp="netext-daemon/target/test-classes:netext-daemon/target/classes:$(cat netext-daemon/target/jmh.classpath)"
exec "$JAVA_HOME/bin/java" -cp "$cp" dev.netext.daemon.bench.EventLogBench "dev.netext.daemon.bench" "$@"
