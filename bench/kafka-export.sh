#!/usr/bin/env bash
# Kafka export throughput: the event log drained into a real single-node KRaft broker on loopback, in one JVM
# (netext-daemon/src/test/java/dev/netext/daemon/kafka/KafkaExportBench). Not run by tests.
#
#   bench/kafka-export.sh [EVENTS [ROUNDS]]     # default 200000 2
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
./mvnw -q -B -pl netext-daemon -am test-compile
./mvnw -q -B -pl netext-daemon dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="netext-daemon/target/test-classes:netext-daemon/target/classes:$(cat netext-daemon/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -cp "$cp" dev.netext.daemon.kafka.KafkaExportBench "$@"
