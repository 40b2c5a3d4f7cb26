# Redis of the cluster profile: a primary (redis1 on 127.0.0.2:6379), a replica (redis2 on
# 127.0.0.3:6379) and three Sentinels (127.0.0.2-4:26379) watching the master named
# $CLUSTER_REDIS_MASTER with a quorum of 2. Each runs from a config file of its own, written only
# the first time: Sentinel rewrites them (CONFIG REWRITE) at a failover, so the roles survive
# restarts as in a real deployment. Delete .local/cluster/redis to start over.
# Every node and Sentinel announces its own address: a connection between loopback addresses comes
# from 127.0.0.1, so without it the primary lists its replica as 127.0.0.1:6379 and the Sentinels,
# taking that for a replica gone astray, turn `make up`'s Redis into a replica of the cluster's.
# shellcheck shell=bash

redis_dir() { printf %s "$CLUSTER_DIR/redis/$1"; }

install_cluster_redis() {
  need redis-server
  local k dir
  for k in 1 2; do
    dir="$(redis_dir "redis$k")"
    mkdir -p "$dir"
    [ -e "$dir/redis.conf" ] && continue
    {
      echo "# Written once by deploy/local/cluster/redis.sh; Sentinel may rewrite it at a failover."
      echo "bind $(node_address "$k")"
      echo "port 6379"
      echo "dir $dir"
      echo "appendonly yes"
      echo "save \"\""
      echo "protected-mode no"
      echo "daemonize no"
      echo "replica-serve-stale-data yes"
      echo "replica-announce-ip $(node_address "$k")"
      echo "replica-announce-port 6379"
      if [ "$k" != 1 ]; then echo "replicaof $(node_address 1) 6379"; fi
    } >"$dir/redis.conf"
  done
  for k in 1 2 3; do
    dir="$(redis_dir "sentinel$k")"
    mkdir -p "$dir"
    [ -e "$dir/sentinel.conf" ] && continue
    cat >"$dir/sentinel.conf" <<CONF
# Written once by deploy/local/cluster/redis.sh; Sentinel keeps its state here.
bind $(node_address "$k")
port 26379
dir $dir
protected-mode no
daemonize no
sentinel announce-ip $(node_address "$k")
sentinel announce-port 26379
sentinel monitor $CLUSTER_REDIS_MASTER $(node_address 1) 6379 2
sentinel down-after-milliseconds $CLUSTER_REDIS_MASTER 2000
sentinel failover-timeout $CLUSTER_REDIS_MASTER 10000
sentinel parallel-syncs $CLUSTER_REDIS_MASTER 1
CONF
  done
}

programs_cluster_redis() {
  local k
  for k in 1 2; do program "redis$k" "/usr/bin/redis-server $(redis_dir "redis$k")/redis.conf"; echo; done
  for k in 1 2 3; do
    program "sentinel$k" "/usr/bin/redis-server $(redis_dir "sentinel$k")/sentinel.conf --sentinel"; echo
  done
}
