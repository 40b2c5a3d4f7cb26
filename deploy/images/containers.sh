#!/usr/bin/env bash
# The suite's services and gateway as containers (the images of `make images`) on this machine's
# network, against the local engines (`make stack-up`), serving https://localhost:8443 as `make up`:
#   containers.sh up       start them (images built first when missing), wait until all are ready
#   containers.sh down     stop and remove them
#   containers.sh status   what runs
# `make up`'s services hold the same ports: `make down && make stack-up` first.
# CONTAINERS_PORT_OFFSET=N moves every port by N (gateway 8443+N, ingest 8101+N ...) and runs no
# workers, so a test can run the containers beside the running suite (tests/containers).
# <SERVICE>_INSTANCES=N runs N containers of a service (and of its workers), as `make up` runs N
# processes: instance k on the service's port + (k - 1) x 100 (deploy/local/instances.py), named
# <prefix>-<service>-<k>, every one a server of the gateway's upstream block.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/images.sh"

OFFSET="${CONTAINERS_PORT_OFFSET:-0}"
NAME_PREFIX="meridian-c$OFFSET"
STATE="$LOCAL/containers-$OFFSET"
# name, image, gateway prefix (ROOT_PATH), port, the variable the service reads its port from
SERVICE_CONTAINERS=(
  "ingest ingest /ingest 8101 PORT"
  "analytics analytics /analytics 8102 WS_PORT"
  "kmdb-import kmdb-import /kmdb 8103 PORT"
  "metrics-api metrics-api /metrics 8104 METRICS_SERVER_PORT"
  "config-leader config-leader /config 8105 PORT"
)
# name, image, console script: the background workers (only without an offset)
WORKER_CONTAINERS=(
  "analytics-worker analytics analytics-worker"
  "analytics-scheduler analytics analytics-scheduler"
  "kmdb-work kmdb-import kmdb-work"
)

# health_flags: podman schedules healthchecks with systemd timers, which this machine lacks: off
# there (`images.sh run-engine healthcheck run NAME` still asks); docker runs them.
health_flags() { if [ "$ENGINE" = podman ]; then printf '%s\n' --no-healthcheck; fi; }

# run_container NAME IMAGE ARGS...: detached, on the host's network, with the suite's settings
# (.local/dev.env, then the service's env file from the leader as this machine's follower wrote it).
run_container() {
  local name="$1" image="$2" env_files=(--env-file "$DEV_ENV") service_env
  shift 2
  service_env="$LOCAL/config-follower/data/services/$image.env"
  if [ -f "$service_env" ]; then env_files+=(--env-file "$service_env"); fi
  engine rm -f "$NAME_PREFIX-$name" >/dev/null 2>&1 || true
  engine run -d --name "$NAME_PREFIX-$name" --network=host $(health_flags) \
    --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
    --label "meridian.containers=$OFFSET" "${env_files[@]}" "$@" >/dev/null \
    || die "starting $NAME_PREFIX-$name failed"
}

# leader_files: the folder the leader container uses. Without an offset, the suite's own
# (.local/config-leader, mounted at the same path); with one, a copy whose paths name the copy.
leader_files() {
  local source="$LOCAL/config-leader"
  [ -f "$source/config-leader.json" ] || die "no $source/config-leader.json: run \`make up\` once first"
  local folder="$source"
  if [ "$OFFSET" != 0 ]; then
    folder="$STATE/config-leader"
    rm -rf "$folder" && mkdir -p "$STATE"
    cp -a "$source" "$folder"
    python3 "$ROOT/deploy/images/leader_copy.py" "$source" "$folder"
  fi
  # The images' service user (uid 10001) owns it; root, which runs `make up`'s leader, still can.
  chown -R 10001:10001 "$folder"
  printf %s "$folder"
}

# instance_rows: "name image prefix port variable program" per instance of each service container,
# port already moved by OFFSET, for the counts in the environment (<SERVICE>_INSTANCES).
instance_rows() {
  local row name image prefix port variable plan service program iport
  plan="$("$VENV/bin/python" "$ROOT/deploy/local/instances.py" ports \
    $(for row in "${SERVICE_CONTAINERS[@]}"; do echo "${row%% *}"; done))" || die "instance counts: see the line above"
  for row in "${SERVICE_CONTAINERS[@]}"; do
    read -r name image prefix port variable <<<"$row"
    while read -r service program iport _; do
      if [ "$service" = "$name" ]; then echo "$name $image $prefix $((iport + OFFSET)) $variable $program"; fi
    done <<<"$plan"
  done
}

render_gateway() {
  local name image prefix port variable program upstreams=()
  local -A servers_of=()
  while read -r name image prefix port variable program; do
    servers_of[$name]="${servers_of[$name]:+${servers_of[$name]},}127.0.0.1:$port"
  done < <(instance_rows)
  for name in "${!servers_of[@]}"; do upstreams+=(--upstream "$name=${servers_of[$name]}"); done
  mkdir -p "$STATE/gateway"
  "$VENV/bin/python" "$ROOT/gateway/render.py" --render-only --out "$STATE/gateway/nginx.conf" \
    "${upstreams[@]}" --https-port $((8443 + OFFSET)) --http-port $((8080 + OFFSET)) \
    --domain "${DOMAIN:-localhost}" --tls-dir /etc/meridian/tls --prefix-dir /var/cache/meridian-gateway \
    --dashboard-root /usr/share/meridian/dashboard --user nginx --mime-types /etc/nginx/mime.types \
    >"$LOGS/containers-gateway-render.log" 2>&1 \
    || die "rendering the gateway's config failed: see $LOGS/containers-gateway-render.log"
}

up() {
  local row name image prefix port variable script leader urls=()
  load_dev_env
  # Ours from an earlier `up` go first; anything else on these ports (`make up`'s suite) stops here.
  down
  local ports=() busy rows program
  rows="$(instance_rows)" || exit 1
  while read -r name image prefix port variable program; do ports+=("$port"); done <<<"$rows"
  if ! busy="$(python3 "$ROOT/deploy/images/wait_http.py" --free "${ports[@]}" $((8443 + OFFSET)) $((8080 + OFFSET)))"; then
    die "ports $busy are taken (\`make up\`'s suite?): \`make down && make stack-up\` first"
  fi
  for row in "${SERVICE_IMAGES[@]}" "gateway"; do
    read -r name _ <<<"$row"
    image_exists "$IMAGE_PREFIX/$name:$IMAGE_TAG" || { build_images; break; }
  done
  leader="$(leader_files)"
  while read -r name image prefix port variable program; do
    local extra=()
    if [ "$name" = config-leader ]; then
      extra=(-v "$leader:$leader" -e "CONFIG_LEADER_CONFIG=$leader/config-leader.json")
    fi
    run_container "$program" "$name" -e "ROOT_PATH=$prefix" -e "$variable=$port" \
      -e "INGEST_METRICS_API_URL=http://127.0.0.1:$((8104 + OFFSET))" \
      -e "INGEST_PUBLIC_URL=https://${DOMAIN:-localhost}:$((8443 + OFFSET))/ingest" \
      "${extra[@]}" "$IMAGE_PREFIX/$image:$IMAGE_TAG" --host 127.0.0.1
    urls+=("http://127.0.0.1:$port/readyz")
  done <<<"$rows"
  if [ "$OFFSET" = 0 ]; then
    for row in "${WORKER_CONTAINERS[@]}"; do
      read -r name image script <<<"$row"
      for program in $("$VENV/bin/python" "$ROOT/deploy/local/instances.py" workers "$name:$image" | cut -d' ' -f2); do
        run_container "$program" "$image" --entrypoint "$script" "$IMAGE_PREFIX/$image:$IMAGE_TAG"
      done
    done
  fi
  render_gateway
  engine rm -f "$NAME_PREFIX-gateway" >/dev/null 2>&1 || true
  engine run -d --name "$NAME_PREFIX-gateway" --network=host $(health_flags) \
    --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --label "meridian.containers=$OFFSET" \
    -e GATEWAY_DEV_TLS=0 -v "$STATE/gateway/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$LOCAL/tls:/etc/meridian/tls:ro" "$IMAGE_PREFIX/gateway:$IMAGE_TAG" >/dev/null \
    || die "starting $NAME_PREFIX-gateway failed"
  urls+=("https://localhost:$((8443 + OFFSET))/healthz")
  SSL_CERT_FILE="$LOCAL/tls/ca.crt" python3 "$ROOT/deploy/images/wait_http.py" 180 "${urls[@]}" \
    || die "containers not ready (logs: $ENGINE logs $NAME_PREFIX-<name>)"
  say "containers ready: https://localhost:$((8443 + OFFSET)) (engine $ENGINE, names $NAME_PREFIX-*)"
}

down() {
  local ids
  ids="$(engine ps -aq --filter "label=meridian.containers=$OFFSET")"
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    engine rm -f -t 10 $ids >/dev/null
  fi
  say "containers stopped ($NAME_PREFIX-*)"
}

status() { engine ps -a --filter "label=meridian.containers=$OFFSET" --format '{{.Names}} {{.Status}}'; }

choose_engine
case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: containers.sh up|down|status" ;;
esac
