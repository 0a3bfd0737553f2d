#!/usr/bin/env bash
# Runs the netext-dns JMH benchmarks (src/test/java/dev/netext/dns/bench): the CPU cost of a cache hit without sockets;
# a 1M-name block list's lookup (hit, miss), load time and bytes per name (BlockListBench).
#   bench/dns-jmh.sh                       # all
#   bench/dns-jmh.sh CacheHitBench -prof gc
#   bench/dns-jmh.sh BlockListBench -prof gc   # gc.alloc.rate.norm 0 B/op: the lookup allocates nothing
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
# one reactor build: the sibling modules resolve to their target/classes (nothing of ours is installed in ~/.m2)
./mvnw -q -B -pl netext-dns -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath
cp="netext-dns/target/test-classes:netext-dns/target/classes:$(cat netext-dns/target/jmh.classpath)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.netext.dns.bench.DnsJmh "$@"
