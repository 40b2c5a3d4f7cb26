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

# The image's Go toolchain (/usr/local/go) is not on every PATH: put it there, so `go` is found.
if [ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null 2>&1; then PATH="$PATH:/usr/local/go/bin"; fi

# packages.tsv: the one table of command -> Debian package (and group, probe) every program the
# scripts run comes from; tests/deploy/test_commands.py fails when a script runs one it lacks.
PACKAGES_TABLE="$ROOT/deploy/local/packages.tsv"
APT_UPDATED="$CACHE/.apt-updated"

# installed CMD [PROBE]: the probe path (a glob) exists, or CMD is on the PATH.
installed() {
  if [ -n "${2:-}" ]; then compgen -G "$2" >/dev/null; else command -v "$1" >/dev/null 2>&1; fi
}

# apt_install PKG...: one apt-get install (an apt-get update first, once per machine).
apt_install() {
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $* (or install them yourself)"
  if [ ! -e "$APT_UPDATED" ]; then
    say "apt-get update"
    apt-get update -qq </dev/null >"$LOGS/apt.log" 2>&1 || die "apt-get update failed: see $LOGS/apt.log"
    touch "$APT_UPDATED"
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >>"$LOGS/apt.log" 2>&1 \
    || die "apt-get install $* failed: see $LOGS/apt.log"
}

# table_rows: packages.tsv without comments, as "command package group probe" lines.
table_rows() { grep -v '^[[:space:]]*\(#\|$\)' "$PACKAGES_TABLE"; }

# ensure_packages GROUP...: installs, in one apt-get call, the package of every command of those
# groups (base, up, test, images) that is not installed yet.
ensure_packages() {
  local cmd pkg group probe wanted=" $* " missing=()
  while read -r cmd pkg group probe; do
    case "$wanted" in *" $group "*) ;; *) continue ;; esac
    installed "$cmd" "$probe" && continue
    case " ${missing[*]} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
  done < <(table_rows)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  while read -r cmd pkg group probe; do
    case "$wanted" in *" $group "*) installed "$cmd" "$probe" || die "$cmd is still missing after installing $pkg" ;; esac
  done < <(table_rows)
}

# need CMD...: each command installed from its packages.tsv row unless it already is; a command
# the table does not name is a bug in the calling script.
need() {
  local want cmd pkg group probe found
  for want in "$@"; do
    found=""
    while read -r cmd pkg group probe; do
      [ "$cmd" = "$want" ] || continue
      found=1
      installed "$cmd" "$probe" && break
      case "$group" in
        base|up|test|images) apt_install "$pkg"; installed "$cmd" "$probe" || die "$cmd is still missing after installing $pkg" ;;
        *) die "$cmd is missing; packages.tsv says it is not Debian's ($group): see the comment there" ;;
      esac
      break
    done < <(table_rows)
    [ -n "$found" ] || die "need $want: $want is not in $PACKAGES_TABLE (add its Debian package there)"
  done
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
