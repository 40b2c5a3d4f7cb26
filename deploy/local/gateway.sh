#!/usr/bin/env bash
# The local gateway's nginx config: rendered from gateway/ with the variables the configuration
# follower applied (.local/config-follower/data/gateway/gateway.json, from the leader), then tested.
#   gateway.sh render   render and `nginx -t`
#   gateway.sh reload   render, test, and reload the running nginx gracefully (the follower's hook)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GATEWAY_DIR="$LOCAL/gateway"
GATEWAY_VARS="$LOCAL/config-follower/data/gateway/gateway.json"
NGINX=(/usr/sbin/nginx -p "$GATEWAY_DIR" -c "$GATEWAY_DIR/nginx.conf" -e "$GATEWAY_DIR/logs/error.log")

render() {
  mkdir -p "$GATEWAY_DIR/logs" "$LOCAL/dashboard"
  local vars=()
  [ -e "$GATEWAY_VARS" ] && vars=(--vars-file "$GATEWAY_VARS")
  "$VENV/bin/python" "$ROOT/gateway/render.py" --out "$GATEWAY_DIR/nginx.conf.next" "${vars[@]}" \
    --tls-dir "$LOCAL/tls" --prefix-dir "$GATEWAY_DIR" --dashboard-root "$LOCAL/dashboard" \
    >"$LOGS/gateway-render.log" 2>&1 || die "rendering the gateway config failed: see $LOGS/gateway-render.log"
  /usr/sbin/nginx -t -q -p "$GATEWAY_DIR" -c "$GATEWAY_DIR/nginx.conf.next" -e "$GATEWAY_DIR/logs/error.log" \
    >>"$LOGS/gateway-render.log" 2>&1 || die "nginx -t refused the rendered config: see $LOGS/gateway-render.log"
  mv "$GATEWAY_DIR/nginx.conf.next" "$GATEWAY_DIR/nginx.conf"
}

reload() {
  render
  if pgrep -f "nginx: master process .* -c $GATEWAY_DIR/nginx.conf" >/dev/null; then
    "${NGINX[@]}" -s reload && say "gateway reloaded"
  fi
}

case "${1:-}" in
  render) render ;;
  reload) reload ;;
  *) echo "usage: $0 render|reload" >&2; exit 2 ;;
esac
