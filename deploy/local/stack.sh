#!/usr/bin/env bash
# The local stack of real datastores, as supervised processes on loopback.
#   stack.sh up       install what is missing, start every engine, wait until each answers a real query
#   stack.sh down     stop the engines
#   stack.sh status   what runs, and whether each engine answers now
#   stack.sh stop|start NAME   one engine (tests use it to prove readiness really touches the engine)
# Everything lives under .local/: downloads and builds in .local/cache, data in .local/data,
# logs in .local/logs, pid files in .local/run. MERIDIAN_ENGINES narrows the list.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_ENGINES="elasticsearch cassandra mongodb mariadb redis s3 smtp"
ENGINES="${MERIDIAN_ENGINES:-$ALL_ENGINES}"
WAIT_SECONDS="${MERIDIAN_STACK_WAIT:-300}"

for engine in $ALL_ENGINES; do
  # shellcheck disable=SC1090
  source "$ROOT/deploy/local/engines/$engine.sh"
done

engine_state() { supervisorctl status "stack:$1" 2>/dev/null | awk '{print $2}'; }

up() {
  ensure_packages base up  # every program the suite runs, from packages.tsv, in one apt-get call
  ensure_python
  load_dev_env
  for engine in $ENGINES; do "install_$engine"; done
  {
    for engine in $ALL_ENGINES; do "program_$engine"; echo; done
    echo "[group:stack]"
    echo "programs=$(echo "$ALL_ENGINES" | tr ' ' ',')"
  } | write_if_changed "$SUPERVISOR_DIR/conf.d/stack.conf"
  ensure_supervisord
  local started=""
  for engine in $ENGINES; do
    if [ "$(engine_state "$engine")" != RUNNING ]; then
      say "starting $engine"
      supervisorctl start "stack:$engine" >/dev/null || true
      started="$started $engine"
    fi
  done
  for engine in $started; do
    if declare -F "post_start_$engine" >/dev/null; then "post_start_$engine"; fi
  done
  say "waiting for each engine to answer a real query"
  # shellcheck disable=SC2086
  "$VENV/bin/python" "$ROOT/deploy/local/checks.py" --wait "$WAIT_SECONDS" $ENGINES \
    || die "the stack is not ready: the engine(s) marked FAIL above did not answer; see their logs"
}

down() {
  [ -e "$SUPERVISOR_DIR/supervisord.conf" ] || return 0
  supervisorctl stop 'stack:*' 2>/dev/null || true
}

status() {
  [ -e "$SUPERVISOR_DIR/supervisord.conf" ] && supervisorctl status 2>/dev/null || true
  load_dev_env
  # shellcheck disable=SC2086
  "$VENV/bin/python" "$ROOT/deploy/local/checks.py" $ENGINES
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  stop) supervisorctl stop "stack:$2" ;;
  start) supervisorctl start "stack:$2" || true
         if declare -F "post_start_$2" >/dev/null; then load_dev_env; "post_start_$2"; fi ;;
  *) echo "usage: $0 up|down|status|stop NAME|start NAME" >&2; exit 2 ;;
esac
