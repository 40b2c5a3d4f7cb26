# Java 17 for the JVM engines, sourced by engines/elasticsearch.sh and engines/cassandra.sh (each
# sources it, so either file works alone; the cluster's scripts use what those two defined).
# java17_home: the home of an installed Java 17 (Cassandra 5.0 runs on 11 or 17 only; ES 8 on 17+),
# or Debian's path for it when none is installed yet. ensure_java17 installs packages.tsv's if none is.
java17_home() {
  local home
  for home in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/temurin-17-*; do
    if [ -x "$home/bin/java" ]; then printf %s "$home"; return 0; fi
  done
  printf %s /usr/lib/jvm/java-17-openjdk-amd64
}
ensure_java17() {
  need java
  [ -x "$(java17_home)/bin/java" ] || die "no Java 17 under /usr/lib/jvm (packages.tsv: java)"
}
