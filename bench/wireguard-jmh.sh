#!/usr/bin/env bash
# Runs the netext-wireguard JMH benchmarks (src/test/java/dev/netext/wireguard/bench): per-packet seal and open
# through the Device data path. Compiled by the ordinary test phase, never executed by `mvn verify`.
#
#   bench/wireguard-jmh.sh                       # all benchmarks
#   bench/wireguard-jmh.sh TransportBench -prof gc
#   bench/wireguard-jmh.sh TransportBench -f 1 -wi 2 -i 3
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
# one reactor run: the classpath then names the sibling modules' target/classes (nothing needs to be installed)
./mvnw -q -B -pl netext-wireguard -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/jmh.classpath -Djacoco.skip=true
cp="netext-wireguard/target/test-classes:netext-wireguard/target/classes:$(cat netext-wireguard/target/jmh.classpath)"
exec "$JAVA_HOME/bin/java" -cp "$cp" dev.netext.wireguard.bench.WireGuardBench "$@"
