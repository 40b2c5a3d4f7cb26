#!/usr/bin/env bash
# The whole suite on this machine: the stack, the six services (and their workers) and the gateway,
# all supervised by one supervisord.
#   suite.sh up         everything; prints the URLs and where the logs are
#   suite.sh down       stops everything and supervisord
#   suite.sh status     what runs and what answers
#   suite.sh test-deps  what the tests need beyond the suite (Debian's chromium, the compose plugin)
#   suite.sh restart-changed   restarts the services whose env file the follower changed (its hook)
#   suite.sh programs   prints the supervisord programs `up` would write (for the counts below)
# Instance counts: <SERVICE>_INSTANCES=N (e.g. INGEST_INSTANCES=2, KMDB_IMPORT_INSTANCES=2) runs N
# processes of a service on the ports deploy/local/instances.py derives from gateway/routes.toml, all in
# the gateway's upstream block; a worker runs as many as its service unless <WORKER>_INSTANCES says.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GATEWAY_DIR="$LOCAL/gateway"
TLS_DIR="$LOCAL/tls"
WITH_ENV="$ROOT/deploy/local/with-env.sh"

# name|console script (ports and gateway prefixes come from gateway/routes.toml: instances.py)
SERVICES="
ingest|ingest
analytics|analytics
kmdb-import|kmdb-api
metrics-api|metrics-api
config-leader|config-leader
config-follower|config-follower
"
# Background workers, started when the service provides them: name|service|console script and
# arguments (a worker reads its service's env file and restarts with it)
WORKERS="
analytics-worker|analytics|analytics-worker
analytics-scheduler|analytics|analytics-scheduler
kmdb-work|kmdb-import|kmdb-work
"
# Settings naming every instance of another service, derived from the counts at each `make up` and
# given to the service's processes by supervisord (with-env.sh lets them win over .local/dev.env's
# single URL): service|variable|the service whose instances' URLs it lists, space-separated
INSTANCE_SETTINGS="
ingest|INGEST_METRICS_API_URL|metrics-api
"
# One-off preparation run before the services start, when present (schemas, migrations).
PREPARE="metrics-api-schema analytics-migrate"

stack() { bash "$ROOT/deploy/local/stack.sh" "$@"; }

tls() {
  bash "$ROOT/gateway/dev_tls.sh" "$TLS_DIR" >"$LOGS/tls.log" 2>&1 || die "TLS material: see $LOGS/tls.log"
}

# The gateway's nginx config as the follower applied it from the leader, tested, in place; a running
# gateway is reloaded only if it changed (the follower's hook has usually done this already).
install_gateway() { bash "$ROOT/deploy/local/gateway.sh" reload; }

build_dashboard() {  # the operator console (gateway/console), served by the gateway at /
  local build="$ROOT/gateway/console/build.sh"
  if [ -x "$build" ] || [ -f "$build" ]; then
    say "building the console"
    bash "$build" >"$LOGS/console-build.log" 2>&1 || die "console build failed: see $LOGS/console-build.log"
  fi
}

config_files() {  # development configs for the configuration leader and follower, and the leader's templates
  "$VENV/bin/python" "$ROOT/deploy/local/dev_config.py" >"$LOGS/dev-config.log" 2>&1 \
    || die "writing the leader/follower development configs failed: see $LOGS/dev-config.log"
}

instances() { "$VENV/bin/python" "$ROOT/deploy/local/instances.py" "$@"; }

# derived_env SERVICE: `,VARIABLE="urls",...,MERIDIAN_DERIVED="VARIABLE ..."` for supervisord's
# environment= line of the service's processes (INSTANCE_SETTINGS), nothing when it has none.
derived_env() {
  local service variable target urls env="" names=""
  while IFS='|' read -r service variable target; do
    [ "$service" = "$1" ] || continue
    urls="$(instances urls "$target")" || return 1
    env="$env,$variable=\"$urls\""; names="$names $variable"
  done <<<"$INSTANCE_SETTINGS"
  [ -z "$names" ] || printf '%s,MERIDIAN_DERIVED="%s"' "$env" "${names# }"
}

# programs: the supervisord config of the services (each instance on its own port), their workers and
# the gateway, for the instance counts in the environment.
programs() {
  local names="" name cmd service program port prefix plan
  local -A commands=() derived=()
  while IFS='|' read -r name cmd; do [ -z "$name" ] || commands[$name]="$cmd"; done <<<"$SERVICES"
  # shellcheck disable=SC2046
  plan="$(instances ports $(cut -d'|' -f1 <<<"$SERVICES"))" || return 1
  for name in "${!commands[@]}"; do derived[$name]="$(derived_env "$name")" || return 1; done
  while read -r service program port prefix; do
    program "$program" "$WITH_ENV $VENV/bin/${commands[$service]} --port $port" \
      "environment=ROOT_PATH=\"$prefix\",MERIDIAN_SERVICE=\"$service\"${derived[$service]}"
    echo; names="$names,$program"
  done <<<"$plan"
  local -A worker_commands=() worker_services=()
  local pairs=()
  while IFS='|' read -r name service cmd; do
    [ -n "$name" ] && [ -x "$VENV/bin/${cmd%% *}" ] || continue
    worker_commands[$name]="$cmd"; worker_services[$name]="$service"; pairs+=("$name:$service")
  done <<<"$WORKERS"
  if [ "${#pairs[@]}" -gt 0 ]; then
    plan="$(instances workers "${pairs[@]}")" || return 1
    while read -r name program; do
      program "$program" "$WITH_ENV $VENV/bin/${worker_commands[$name]}" \
        "environment=MERIDIAN_SERVICE=\"${worker_services[$name]}\"${derived[${worker_services[$name]}]}"
      echo; names="$names,$program"
    done <<<"$plan"
  fi
  echo "[group:services]"; echo "programs=${names#,}"; echo
  program gateway "/usr/sbin/nginx -p $GATEWAY_DIR -c $GATEWAY_DIR/nginx.conf -e $GATEWAY_DIR/logs/error.log -g 'daemon off;'"
}

write_programs() {
  local config; config="$(mktemp)"
  programs >"$config" || { rm -f "$config"; die "instance counts: see the line above"; }
  write_if_changed "$SUPERVISOR_DIR/conf.d/services.conf" <"$config"; rm -f "$config"
}

prepare() {
  local script
  for script in $PREPARE; do
    if [ -x "$VENV/bin/$script" ]; then
      say "running $script"
      "$WITH_ENV" "$VENV/bin/$script" >"$LOGS/$script.log" 2>&1 || die "$script failed: see $LOGS/$script.log"
    fi
  done
}

# further_instances: `--direct NAME=URL` for the second and further instances of services in the
# written supervisor config (the gateway reaches them only at random): wait_ready.py probes them too.
further_instances() {
  awk '/^\[program:.*-[0-9]+\]$/ {name = substr($1, 10, length($1) - 10)}
       name != "" && /^command=.* --port [0-9]+$/ {print "--direct"; print name "=http://127.0.0.1:" $NF; name = ""}
       /^\[/ && !/-[0-9]+\]$/ {name = ""}' "$SUPERVISOR_DIR/conf.d/services.conf" 2>/dev/null || true
}

wait_ready() {
  say "waiting for every service to be ready through the gateway (and each further instance directly)"
  local extra; mapfile -t extra < <(further_instances)
  "$VENV/bin/python" "$ROOT/deploy/local/wait_ready.py" --ca "$MERIDIAN_CA" --base "$GATEWAY_URL" "${extra[@]}" \
    || die "not every service is ready: see the lines above and $LOGS/<service>.log"
}

# The configuration leader and this machine's follower come first: the follower applies the files
# the others read (the gateway's nginx config, each service's env file) before they start. A follower
# that was already running is asked to sync now, so the templates config_files just wrote are applied.
start_configuration() {
  supervisorctl start services:config-leader services:config-follower >/dev/null || true
  "$VENV/bin/python" "$ROOT/deploy/local/wait_applied.py" --wait 180 \
    || die "the configuration follower did not apply its files: see $LOGS/config-follower.log"
}

up() {
  stack up
  load_dev_env
  tls
  build_dashboard
  config_files
  prepare
  write_programs
  ensure_supervisord
  start_configuration
  install_gateway
  supervisorctl start 'services:*' >/dev/null || true
  if [ "$(supervisorctl status gateway | awk '{print $2}')" != RUNNING ]; then
    supervisorctl start gateway >/dev/null || true
  fi
  wait_ready
  cat <<MSG

Meridian is up.
  gateway      $GATEWAY_URL/           (console)     CA: $MERIDIAN_CA
  ingest       $GATEWAY_URL/ingest/docs   (PM2: KEYMETRICS_NODE=$GATEWAY_URL/ingest)
  analytics    $GATEWAY_URL/analytics/docs
  kmdb-import  $GATEWAY_URL/kmdb/docs
  metrics-api  $GATEWAY_URL/metrics/docs
  config       $GATEWAY_URL/config/docs
  secrets and settings: $DEV_ENV
  logs: $LOGS/<name>.log     processes: make status     stop: make down
MSG
}

down() {
  [ -e "$RUN/supervisord.pid" ] && kill -0 "$(cat "$RUN/supervisord.pid")" 2>/dev/null || { say "nothing runs"; return 0; }
  supervisorctl stop gateway 'services:*' 'stack:*' >/dev/null 2>&1 || true
  supervisorctl shutdown >/dev/null 2>&1 || true
  say "stopped"
}

status() {
  stack status || true
  load_dev_env
  local extra; mapfile -t extra < <(further_instances)
  [ -e "$MERIDIAN_CA" ] && "$VENV/bin/python" "$ROOT/deploy/local/wait_ready.py" --ca "$MERIDIAN_CA" --base "$GATEWAY_URL" --once "${extra[@]}" || true
}

instances_of() {  # the supervisor names of every configured instance of a program: NAME, NAME-2 ...
  supervisorctl avail | awk -v n="services:$1" \
    '$1 == n || (index($1, n "-") == 1 && substr($1, length(n) + 2) ~ /^[0-9]+$/) {print $1}'
}

workers_of() {  # the supervisor names of a service's workers, every instance
  local name service cmd
  while IFS='|' read -r name service cmd; do
    [ "$service" = "$1" ] && [ -x "$VENV/bin/${cmd%% *}" ] && instances_of "$name"
  done <<<"$WORKERS"
  return 0
}

# After the follower changed service env files (its hook): restart those services and their workers.
restart_changed() {
  local file name
  for file in ${CONFIG_CHANGED_FILES:-}; do
    name="$(basename "$file" .env)"
    case "$file" in services/*.env|/services/*.env)
      say "restarting $name (its env file changed)"
      supervisorctl restart $(instances_of "$name") $(workers_of "$name") >/dev/null ;;
    esac
  done
}

# What only the tests need beyond the suite: packages.tsv's group "test" (a browser for the dashboard
# and CSP tests) and, when the docker CLI has no compose plugin, one built from the Go module proxy for
# the compose test (minutes the first time: here, not under a test's timeout; MERIDIAN_COMPOSE_BUILD=0
# skips it, and that test).
test_deps() {
  ensure_packages base up test
  if [ "${MERIDIAN_COMPOSE_BUILD:-1}" != 0 ] && command -v docker >/dev/null 2>&1 \
    && ! docker compose version >/dev/null 2>&1; then
    say "building the docker compose plugin for the compose test (see $LOGS/compose-plugin-build.log)"
    bash "$ROOT/deploy/docker/compose_plugin.sh" >/dev/null || die "building the docker compose plugin failed"
  fi
}

case "${1:-}" in
  up) up ;;
  test-deps) test_deps ;;
  down) down ;;
  status) status ;;
  restart-changed) restart_changed ;;
  programs) programs ;;
  *) echo "usage: $0 up|down|status|test-deps|restart-changed|programs" >&2; exit 2 ;;
esac
