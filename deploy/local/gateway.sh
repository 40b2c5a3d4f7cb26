#!/usr/bin/env bash
# The local gateway's nginx config comes from the configuration leader: dev_config.py makes the leader's
# template gateway/nginx.conf (gateway/render.py with the platform variables left as their names), the
# leader substitutes them, and this machine's follower applies the result as
# .local/config-follower/data/gateway/nginx.conf. This script puts that file into place.
#   gateway.sh install   copy it to .local/gateway/nginx.conf if `nginx -t` accepts it
#   gateway.sh reload    install, then reload the running nginx gracefully if the config or its
#                        certificate changed (the follower's hook: the certificate comes from the leader
#                        too, as nginx/conf/secret/${DOMAIN}-bundle.crt and -key.pem; a config or
#                        certificate nginx refuses keeps the running one)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GATEWAY_DIR="$LOCAL/gateway"
APPLIED="$LOCAL/config-follower/data/gateway/nginx.conf"
INSTALLED="$GATEWAY_DIR/nginx.conf"
NGINX=(/usr/sbin/nginx -p "$GATEWAY_DIR" -e "$GATEWAY_DIR/logs/error.log")
CHANGED=0

# install: the follower's file, tested by `nginx -t`, becomes nginx.conf; CHANGED=1 when it differs.
install() {
  need nginx
  [ -f "$APPLIED" ] || die "no gateway config from the leader at $APPLIED (see $LOGS/config-follower.log); keeping $INSTALLED"
  mkdir -p "$GATEWAY_DIR"/logs "$GATEWAY_DIR"/tmp/{client_body,proxy,fastcgi,uwsgi,scgi}
  if cmp -s "$APPLIED" "$INSTALLED"; then return 0; fi
  cp "$APPLIED" "$INSTALLED.next"
  local check
  if ! check="$("${NGINX[@]}" -t -q -c "$INSTALLED.next" 2>&1)"; then
    rm -f "$INSTALLED.next"
    printf '%s %s\n' "$(date -Is)" "$check" >>"$LOGS/gateway-config.log"
    die "nginx -t refused the gateway config from the leader ($APPLIED); the gateway keeps its current config: ${check//$'\n'/ }"
  fi
  mv "$INSTALLED.next" "$INSTALLED"
  CHANGED=1
  say "gateway config installed from the leader ($APPLIED)"
}

# The follower's hook names the files it changed, one per line, in CONFIG_CHANGED_FILES.
certificate_changed() { grep -q '^/nginx/conf/secret/' <<<"${CONFIG_CHANGED_FILES:-}"; }

reload() {
  install
  if [ "$CHANGED" = 0 ] && certificate_changed; then
    local check
    check="$("${NGINX[@]}" -t -q -c "$INSTALLED" 2>&1)" \
      || die "nginx -t refused the certificate from the leader; the gateway keeps its current one: ${check//$'\n'/ }"
    CHANGED=1
  fi
  if [ "$CHANGED" = 1 ] && pgrep -f "nginx: master process .* -c $INSTALLED" >/dev/null; then
    "${NGINX[@]}" -c "$INSTALLED" -s reload && say "gateway reloaded"
  fi
}

# One at a time: the follower's hook and `make up` may both install.
exec 9>"$RUN/gateway-config.lock"
flock 9

case "${1:-}" in
  install) install ;;
  reload) reload ;;
  *) echo "usage: $0 install|reload" >&2; exit 2 ;;
esac
