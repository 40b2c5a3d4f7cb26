#!/usr/bin/env bash
# The cluster profile of the local stack: every engine as a small cluster on the loopback addresses
# 127.0.0.2-4 (the single-node stack of `make up` keeps 127.0.0.1 and is never touched).
#   cluster.sh up       install what is missing, start every node, wait until each cluster is whole
#   cluster.sh down     stop every node (data stays in .local/cluster)
#   cluster.sh status   what runs, and each cluster's state now
#   cluster.sh env      the services' settings for the cluster (KM_*, EL_*, CELERY_*, ...), KEY=value
#   cluster.sh wait [SECONDS]    until each cluster is whole again (tests, after restarting nodes)
#   cluster.sh stop|start NAME   one node (es1, cassandra2, redis1, sentinel3, mariadb2 ...)
#   cluster.sh kill NAME         SIGKILL to a node's whole process group (a crash: no clean shutdown);
#                                supervisord leaves it down (autorestart off) until `start NAME`
# Elasticsearch: CLUSTER_ES_NODES (3) nodes of CLUSTER_ES_HEAP (384m); Cassandra: CLUSTER_CASSANDRA_NODES
# (2) nodes of CLUSTER_CASSANDRA_HEAP (512M); Redis: a primary, a replica and 3 Sentinels; MariaDB: a
# primary and a replica. Engines are installed once (the single-node stack's install functions);
# each node has its data under .local/cluster/<engine>/<node>, logs in .local/cluster/logs, and the
# nodes run under a supervisord of their own (.local/cluster/supervisor).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR="$LOCAL/cluster"
CLUSTER_RUN="$CLUSTER_DIR/run"
# lib.sh's supervisor helpers, logs and pid files, pointed at the cluster's own.
LOGS="$CLUSTER_DIR/logs"
RUN="$CLUSTER_RUN"
SUPERVISOR_DIR="$CLUSTER_DIR/supervisor"
mkdir -p "$LOGS" "$RUN" "$SUPERVISOR_DIR/conf.d"

CLUSTER_ES_NODES="${CLUSTER_ES_NODES:-3}"
CLUSTER_ES_HEAP="${CLUSTER_ES_HEAP:-384m}"
CLUSTER_CASSANDRA_NODES="${CLUSTER_CASSANDRA_NODES:-2}"
CLUSTER_CASSANDRA_HEAP="${CLUSTER_CASSANDRA_HEAP:-512M}"
CLUSTER_REDIS_MASTER="${CLUSTER_REDIS_MASTER:-meridian}"
WAIT_SECONDS="${MERIDIAN_CLUSTER_WAIT:-600}"
ENGINES="elasticsearch cassandra redis mariadb"

[ "$CLUSTER_ES_NODES" -ge 1 ] && [ "$CLUSTER_ES_NODES" -le 3 ] || die "CLUSTER_ES_NODES must be 1-3"
[ "$CLUSTER_CASSANDRA_NODES" -ge 1 ] && [ "$CLUSTER_CASSANDRA_NODES" -le 3 ] || die "CLUSTER_CASSANDRA_NODES must be 1-3"

# node_address K: node K's loopback address (node 1 on 127.0.0.2).
node_address() { printf '127.0.0.%s' "$(($1 + 1))"; }

for engine in elasticsearch cassandra mariadb redis; do
  # shellcheck disable=SC1090
  source "$ROOT/deploy/local/engines/$engine.sh"
done
for engine in $ENGINES; do
  # shellcheck disable=SC1090
  source "$ROOT/deploy/local/cluster/$engine.sh"
done

# cluster_env: the services' settings for the cluster, as KEY=value lines (tests and operators
# start services with them; secrets stay in .local/dev.env).
cluster_env() {
  local k es="" el="" cql="" sentinels=""
  for k in $(es_nodes); do es="$es $(node_address "$k"):9200"; el="$el,$(node_address "$k")"; done
  for k in $(cassandra_nodes); do cql="$cql,$(node_address "$k"):9042"; done
  for k in 1 2 3; do sentinels="$sentinels,$(node_address "$k"):26379"; done
  local redis="redis+sentinel://${sentinels#,}/$CLUSTER_REDIS_MASTER"
  cat <<ENV
KM_ELASTICSEARCH_URL=${es# }
KM_INDEX_REPLICAS=1
EL_HOST=${el#,}
EL_PORT=9200
ANALYTICS_INDEX_REPLICAS=1
METRICS_SERVER_CASSANDRA=${cql#,}
METRICS_SERVER_REPLICATION=2
METRICS_SERVER_CONSISTENCY=ONE
KM_REDIS_URL=$redis/0
CELERY_BROKER_URL=$redis/1
CELERY_RESULT_BACKEND=$redis/2
KMDB_REDIS_URL=$redis/3
DATABASE_URL=mysql://$MYSQL_USER:$MYSQL_PASSWORD@$(node_address 1):3306/kmdb
KMDB_READ_DATABASE_URL=mysql://$MYSQL_USER:$MYSQL_PASSWORD@$(node_address 2):3306/kmdb
ENV
}

checks() {
  CLUSTER_ES_NODES="$CLUSTER_ES_NODES" CLUSTER_CASSANDRA_NODES="$CLUSTER_CASSANDRA_NODES" \
    CLUSTER_REDIS_MASTER="$CLUSTER_REDIS_MASTER" CLUSTER_MARIADB_SOCKET="$(mariadb_socket 2)" \
    "$VENV/bin/python" "$ROOT/deploy/local/cluster/checks.py" "$@"
}

node_state() { supervisorctl status "cluster:$1" 2>/dev/null | awk '{print $2}'; }

# programs: every node's supervisord program; a node that dies stays down (as a crashed server
# would) rather than coming back behind the tests' back.
programs() {
  local engine names
  for engine in $ENGINES; do "programs_cluster_$engine"; done | sed 's/^autorestart=unexpected$/autorestart=false/'
  names="$(for engine in $ENGINES; do "programs_cluster_$engine"; done | sed -n 's/^\[program:\(.*\)\]$/\1/p' | tr '\n' ',')"
  echo "[group:cluster]"
  echo "programs=${names%,}"
}

up() {
  ensure_packages base up
  ensure_python
  load_dev_env
  for engine in $ENGINES; do "install_cluster_$engine"; done
  programs | write_if_changed "$SUPERVISOR_DIR/conf.d/cluster.conf"
  ensure_supervisord
  local name started=""
  for name in $(programs | sed -n 's/^\[program:\(.*\)\]$/\1/p'); do
    if [ "$(node_state "$name")" != RUNNING ]; then
      started="$started $name"
    fi
  done
  local others="" cassandras=""
  for name in $started; do
    case "$name" in cassandra*) cassandras="$cassandras $name" ;; *) others="$others $name" ;; esac
  done
  if [ -n "$others" ]; then
    say "starting$others"
    # shellcheck disable=SC2046
    supervisorctl start $(printf 'cluster:%s ' $others) >/dev/null || true
  fi
  case "$started" in *mariadb*) post_start_cluster_mariadb ;; esac
  # shellcheck disable=SC2086
  if [ -n "$cassandras" ]; then say "starting$cassandras, one after another"; start_cluster_cassandra $cassandras; fi
  say "waiting until each cluster is whole (up to ${WAIT_SECONDS}s)"
  checks --wait "$WAIT_SECONDS" || die "the cluster is not whole: see the lines above and $LOGS/<node>.log"
  say "the services' settings for the cluster: bash deploy/local/cluster.sh env"
}

down() {
  [ -e "$SUPERVISOR_DIR/supervisord.conf" ] || return 0
  [ -e "$RUN/supervisord.pid" ] && kill -0 "$(cat "$RUN/supervisord.pid")" 2>/dev/null || { say "the cluster is not running"; return 0; }
  supervisorctl stop 'cluster:*' >/dev/null 2>&1 || true
  supervisorctl shutdown >/dev/null 2>&1 || true
  say "the cluster is stopped (its data stays in $CLUSTER_DIR)"
}

status() {
  [ -e "$SUPERVISOR_DIR/supervisord.conf" ] && supervisorctl status 2>/dev/null || true
  checks
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) load_dev_env >/dev/null; cluster_env ;;
  wait) checks --wait "${2:-$WAIT_SECONDS}" ;;
  stop) supervisorctl stop "cluster:$2" ;;
  kill) pid="$(supervisorctl pid "cluster:$2")"
        [ "${pid:-0}" -gt 0 ] 2>/dev/null || die "$2 is not running"
        kill -KILL -- "-$pid" ;;
  start) supervisorctl start "cluster:$2" || true ;;
  *) echo "usage: $0 up|down|status|env|wait [SECONDS]|stop NAME|kill NAME|start NAME" >&2; exit 2 ;;
esac
