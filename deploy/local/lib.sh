# Shared by deploy/local scripts: paths, logging, and the installers every engine uses.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
LOGS="$LOCAL/logs"
DATA="$LOCAL/data"
CACHE="$LOCAL/cache"
RUN="$LOCAL/run"
SUPERVISOR_DIR="$LOCAL/supervisor"
DEV_ENV="$LOCAL/dev.env"
VENV="$ROOT/.venv"
mkdir -p "$LOGS" "$DATA" "$CACHE" "$RUN" "$SUPERVISOR_DIR/conf.d"

# Colours only on a terminal: hooks' output ends up in logs and in the follower's /notify answer.
if [ -t 2 ]; then
  say() { printf '\033[1m[meridian]\033[0m %s\n' "$*" >&2; }
  die() { printf '\033[31m[meridian] %s\033[0m\n' "$*" >&2; exit 1; }
else
  say() { printf '[meridian] %s\n' "$*" >&2; }
  die() { printf '[meridian] %s\n' "$*" >&2; exit 1; }
fi

APT_UPDATED="$CACHE/.apt-updated"
# ensure_apt CMD PKG...: installs the Debian packages unless CMD is already on the PATH (or a file).
ensure_apt() {
  local probe="$1"; shift
  if command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; then return 0; fi
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $* (or install them yourself)"
  if [ ! -e "$APT_UPDATED" ]; then
    say "apt-get update"
    apt-get update -qq >"$LOGS/apt.log" 2>&1 || die "apt-get update failed: see $LOGS/apt.log"
    touch "$APT_UPDATED"
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$LOGS/apt.log" 2>&1 \
    || die "apt-get install $* failed: see $LOGS/apt.log"
}

# ensure_python: uv (from PyPI, cached in ~/.cache/uv) and the workspace venv with every package.
ensure_python() {
  if ! command -v uv >/dev/null 2>&1; then
    say "installing uv from PyPI"
    python3 -m pip install -q uv >"$LOGS/pip-uv.log" 2>&1 || die "pip install uv failed: see $LOGS/pip-uv.log"
  fi
  local stamp="$VENV/.meridian-synced"
  if [ ! -e "$stamp" ] || [ "$ROOT/uv.lock" -nt "$stamp" ] || [ -n "$(find "$ROOT/libs" "$ROOT/services" -name pyproject.toml -newer "$stamp" 2>/dev/null)" ]; then
    say "uv sync (workspace venv at .venv)"
    (cd "$ROOT" && uv sync >"$LOGS/uv-sync.log" 2>&1) || die "uv sync failed: see $LOGS/uv-sync.log"
    touch "$stamp"
  fi
}

# load_dev_env: exports every KEY=value of .local/dev.env (generated once by devenv.py).
load_dev_env() {
  "$VENV/bin/python" "$ROOT/deploy/local/devenv.py" "$DEV_ENV"
  set -a; # shellcheck disable=SC1090
  . "$DEV_ENV"; set +a
}

# The supervisord control socket; a short path, since unix sockets allow ~100 bytes.
supervisor_socket() {
  local sock="$SUPERVISOR_DIR/supervisor.sock"
  if [ "${#sock}" -gt 100 ]; then sock="/tmp/meridian-$(printf %s "$ROOT" | md5sum | cut -c1-12).sock"; fi
  printf %s "$sock"
}

supervisorctl() { "$VENV/bin/supervisorctl" -c "$SUPERVISOR_DIR/supervisord.conf" "$@"; }

# ensure_supervisord: writes the main config and starts supervisord once (idempotent).
ensure_supervisord() {
  local sock; sock="$(supervisor_socket)"
  cat >"$SUPERVISOR_DIR/supervisord.conf.new" <<CONF
[unix_http_server]
file=$sock
chmod=0700

[supervisord]
logfile=$LOGS/supervisord.log
pidfile=$RUN/supervisord.pid
childlogdir=$LOGS
nodaemon=false
minfds=1024

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$sock

[include]
files = $SUPERVISOR_DIR/conf.d/*.conf
CONF
  mv "$SUPERVISOR_DIR/supervisord.conf.new" "$SUPERVISOR_DIR/supervisord.conf"
  if [ -e "$RUN/supervisord.pid" ] && kill -0 "$(cat "$RUN/supervisord.pid")" 2>/dev/null; then
    supervisorctl update >/dev/null
  else
    say "starting supervisord (logs in $LOGS)"
    "$VENV/bin/supervisord" -c "$SUPERVISOR_DIR/supervisord.conf" || die "supervisord did not start: see $LOGS/supervisord.log"
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  fi
}

# write_if_changed FILE: writes stdin to FILE unless FILE already holds exactly that (so supervisord
# sees no change and restarts nothing).
write_if_changed() {
  local tmp; tmp="$(mktemp)"; cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# program NAME COMMAND [EXTRA-LINES]: prints a supervisord program section logging to $LOGS/NAME.log.
program() {
  local name="$1" command="$2" extra="${3:-}"
  cat <<SECTION
[program:$name]
command=$command
directory=$ROOT
autostart=false
autorestart=unexpected
startsecs=2
startretries=2
stopasgroup=true
killasgroup=true
stopwaitsecs=30
redirect_stderr=true
stdout_logfile=$LOGS/$name.log
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=2
$extra
SECTION
}
