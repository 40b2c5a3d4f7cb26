#!/bin/sh
# Entrypoint of the gateway container when its config comes from the configuration leader through
# a config-follower container (containers.sh, deploy/roles, the Helm chart): the follower's folder
# is mounted read-only at $GATEWAY_FOLLOWER_DIR (default /var/lib/meridian-follower), holding the
# files it applied (files/gateway/nginx.conf, files/nginx/conf/secret/*) and signals/gateway-reload,
# which the follower's hook rewrites after every apply that changed gateway/** or nginx/**.
#   gateway_follow.sh nginx -g 'daemon off;'
# 1. waits (up to GATEWAY_FOLLOWER_WAIT seconds, default 120) for the follower's nginx.conf and
#    puts it in place of /etc/nginx/nginx.conf if `nginx -t` accepts it; if nginx refuses it, a
#    restarted container runs the last config it installed from the leader, a new one exits;
# 2. watches the signal file (every second) in the background: when its value changes, installs the
#    follower's nginx.conf if `nginx -t` accepts it and reloads nginx gracefully (`nginx -s reload`);
#    a config nginx refuses keeps the running one and is logged ("nginx -t refused ...");
# 3. runs the image's own entrypoint with the command (nginx as PID 1's child chain as before).
# The gateway needs no access to the follower's container, and the follower none to the gateway's:
# only the shared folder. (A PID-namespace signal was the other way: the follower runs as uid 10001
# and may not signal root's nginx, and nginx would still need `nginx -t` first.)
set -eu

DIR="${GATEWAY_FOLLOWER_DIR:-/var/lib/meridian-follower}"
APPLIED="$DIR/files/gateway/nginx.conf"
SIGNAL="$DIR/signals/gateway-reload"
INSTALLED=/etc/nginx/nginx.conf
FROM_LEADER="$INSTALLED.from-leader"  # present once a config from the leader was installed here

log() { echo "gateway-follow: $*" >&2; }

# install: the follower's config in place if nginx accepts it; 1 when refused.
install() {
  if cmp -s "$APPLIED" "$INSTALLED"; then : >"$FROM_LEADER"; return 0; fi
  cp "$APPLIED" "$INSTALLED.next"
  if ! check="$(nginx -t -q -c "$INSTALLED.next" 2>&1)"; then
    rm -f "$INSTALLED.next"
    log "nginx -t refused the gateway config from the leader ($APPLIED); keeping the running one: $check"
    return 1
  fi
  mv "$INSTALLED.next" "$INSTALLED"
  : >"$FROM_LEADER"
  log "gateway config installed from the leader ($APPLIED)"
}

# reload: install, test (a new certificate under the same config too), reload the running nginx.
reload() {
  install || return 0
  if ! check="$(nginx -t -q -c "$INSTALLED" 2>&1)"; then
    log "nginx -t refused the certificate from the leader; keeping the running one: $check"
    return 0
  fi
  if nginx -c "$INSTALLED" -s reload; then log "gateway reloaded"; else log "reload failed (nginx not running yet?)"; fi
}

signal_value() { cat "$SIGNAL" 2>/dev/null || true; }

watch() {
  seen="$1"
  while sleep 1; do
    now="$(signal_value)"
    if [ "$now" != "$seen" ]; then
      seen="$now"
      reload
    fi
  done
}

waited=0
until [ -s "$APPLIED" ]; do
  if [ "$waited" -ge "${GATEWAY_FOLLOWER_WAIT:-120}" ]; then
    log "no $APPLIED after ${waited}s: is the config-follower running and synced?"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
first="$(signal_value)"
if ! install; then
  [ -f "$FROM_LEADER" ] || exit 1
  log "starting with the last config installed from the leader"
fi
watch "$first" &
exec sh /docker-entrypoint.sh "$@"  # the image's own entrypoint (a sh script in both bases)
