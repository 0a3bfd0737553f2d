#!/usr/bin/env bash
# Runs the netext-wire JMH benchmarks (src/test/java/dev/netext/wire/bench).
# They are compiled by the ordinary test phase (the JMH annotation processor writes
# target/test-classes/META-INF/BenchmarkList) but never executed by `mvn verify`.
#
#   bench/wire-jmh.sh                      # all benchmarks
#   bench/wire-jmh.sh ChecksumBench -prof gc
#   bench/wire-jmh.sh ReflectorBench -f 1 -wi 2 -i 3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
./mvnw -q -B -pl netext-wire -am test-compile
./mvnw -q -B -pl netext-wire dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
cp="netext-wire/target/test-classes:netext-wire/target/classes:$(cat netext-wire/target/jmh.classpath)"
exec "$JAVA_HOME/bin/java" -cp "$cp" dev.netext.wire.bench.WireBench "$@"
