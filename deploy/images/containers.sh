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
# The containers get their files as `make up`'s processes do: from the configuration leader (in its
# container) through a config-follower container, which applies its role's files (`containers`:
# containers_config.py) into $STATE/config-follower/files; the service containers read their env
# files from there, and the gateway container (gateway_follow.sh) its nginx config and certificate,
# reloading nginx when the follower's hook rewrites signals/gateway-reload.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/images.sh"

OFFSET="${CONTAINERS_PORT_OFFSET:-0}"
NAME_PREFIX="meridian-c$OFFSET"
STATE="$LOCAL/containers-$OFFSET"
FOLLOWER_DIR="$STATE/config-follower"  # /data in the follower, read-only in the gateway
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
# (.local/dev.env, then the service's env file from the leader as the follower container wrote it).
run_container() {
  local name="$1" image="$2" env_files=(--env-file "$DEV_ENV") service_env
  shift 2
  service_env="$FOLLOWER_DIR/files/services/$image.env"
  if [ -f "$service_env" ]; then env_files+=(--env-file "$service_env"); fi
  engine rm -f "$NAME_PREFIX-$name" >/dev/null 2>&1 || true
  engine run -d --name "$NAME_PREFIX-$name" --network=host $(health_flags) \
    --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
    --label "meridian.containers=$OFFSET" "${env_files[@]}" "$@" >/dev/null \
    || die "starting $NAME_PREFIX-$name failed"
}

# leader_files: the leader container's folder, with the `containers` role and the follower container
# as its one follower (containers_config.py), and the follower's config. Without an offset, the
# suite's own (.local/config-leader, mounted at the same path; `make up` rewrites its config again);
# with one, a copy whose paths name the copy, so nothing reaches the running suite's leader.
leader_files() {
  local source="$LOCAL/config-leader"
  [ -f "$source/config-leader.json" ] || die "no $source/config-leader.json: run \`make up\` once first"
  local folder="$source" flags=()
  if [ "$OFFSET" != 0 ]; then folder="$STATE/config-leader"; fi
  mkdir -p "$STATE" "$FOLLOWER_DIR"
  mapfile -t flags < <(upstream_flags)
  "$VENV/bin/python" "$ROOT/deploy/images/containers_config.py" --original "$source" \
    --leader "$folder" --follower "$FOLLOWER_DIR" --offset "$OFFSET" \
    --follower-key "$CONFIG_FOLLOWER_KEY" "${flags[@]}" >"$LOGS/containers-config.log" 2>&1 \
    || die "preparing the containers' leader and follower failed: see $LOGS/containers-config.log"
  # The images' service user (uid 10001) owns them; root, which runs `make up`'s leader, still can.
  chown -R 10001:10001 "$folder" "$FOLLOWER_DIR"
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

# upstream_flags: render.py's --upstream SERVICE=HOST:PORT,... of every instance, a line each.
upstream_flags() {
  local name image prefix port variable program
  local -A servers_of=()
  while read -r name image prefix port variable program; do
    servers_of[$name]="${servers_of[$name]:+${servers_of[$name]},}127.0.0.1:$port"
  done < <(instance_rows)
  for name in "${!servers_of[@]}"; do printf '%s\n' --upstream "$name=${servers_of[$name]}"; done
}

# run_service ROW: one instance's container ("name image prefix port variable program").
run_service() {
  local name image prefix port variable program extra=()
  read -r name image prefix port variable program <<<"$1"
  if [ "$name" = config-leader ]; then
    extra=(-v "$LEADER:$LEADER" -e "CONFIG_LEADER_CONFIG=$LEADER/config-leader.json")
  fi
  run_container "$program" "$name" -e "ROOT_PATH=$prefix" -e "$variable=$port" \
    -e "INGEST_METRICS_API_URL=$METRICS_API_URLS" \
    -e "INGEST_PUBLIC_URL=https://${DOMAIN:-localhost}:$((8443 + OFFSET))/ingest" \
    "${extra[@]}" "$IMAGE_PREFIX/$image:$IMAGE_TAG" --host 127.0.0.1
}

ready() {
  SSL_CERT_FILE="$LOCAL/tls/ca.crt" python3 "$ROOT/deploy/images/wait_http.py" 180 "$@" \
    || die "containers not ready (logs: $ENGINE logs $NAME_PREFIX-<name>)"
}

up() {
  local row name image prefix port variable script urls=() leaders=() others=()
  local follower_port=$((8106 + OFFSET))
  load_dev_env
  # Ours from an earlier `up` go first; anything else on these ports (`make up`'s suite) stops here.
  down
  local ports=() busy rows program
  rows="$(instance_rows)" || exit 1
  # ingest's forwarder writes to every metrics-api instance (space-separated URLs, taken in turn)
  METRICS_API_URLS="$(awk '$1 == "metrics-api" {printf "%shttp://127.0.0.1:%s", sep, $4; sep = " "}' <<<"$rows")"
  while read -r name image prefix port variable program; do
    ports+=("$port")
    if [ "$name" = config-leader ]; then leaders+=("$name $image $prefix $port $variable $program")
    else others+=("$name $image $prefix $port $variable $program"); fi
  done <<<"$rows"
  if ! busy="$(python3 "$ROOT/deploy/images/wait_http.py" --free "${ports[@]}" "$follower_port" $((8443 + OFFSET)) $((8080 + OFFSET)))"; then
    die "ports $busy are taken (\`make up\`'s suite?): \`make down && make stack-up\` first"
  fi
  for row in "${SERVICE_IMAGES[@]}" "gateway"; do
    read -r name _ <<<"$row"
    image_exists "$IMAGE_PREFIX/$name:$IMAGE_TAG" || { build_images; break; }
  done
  LEADER="$(leader_files)" || exit 1
  # The leader, then the follower (ready once it applied the role's files), then what reads them.
  for row in "${leaders[@]}"; do
    run_service "$row"
    urls+=("http://127.0.0.1:$(cut -d' ' -f4 <<<"$row")/readyz")
  done
  ready "${urls[@]}"
  run_container config-follower config-follower -v "$FOLLOWER_DIR:/data" \
    -e CONFIG_FOLLOWER_CONFIG=/data/config-follower.json -e "PORT=$follower_port" \
    "$IMAGE_PREFIX/config-follower:$IMAGE_TAG" --host 127.0.0.1
  urls+=("http://127.0.0.1:$follower_port/readyz")
  ready "http://127.0.0.1:$follower_port/readyz"
  for row in "${others[@]}"; do
    run_service "$row"
    urls+=("http://127.0.0.1:$(cut -d' ' -f4 <<<"$row")/readyz")
  done
  if [ "$OFFSET" = 0 ]; then
    for row in "${WORKER_CONTAINERS[@]}"; do
      read -r name image script <<<"$row"
      for program in $("$VENV/bin/python" "$ROOT/deploy/local/instances.py" workers "$name:$image" | cut -d' ' -f2); do
        run_container "$program" "$image" --entrypoint "$script" "$IMAGE_PREFIX/$image:$IMAGE_TAG"
      done
    done
  fi
  # The gateway's nginx config and certificate: the follower's files (gateway_follow.sh installs
  # them, and reloads nginx when the follower's hook signals a change). .local/tls only satisfies
  # the image's own start check (GATEWAY_DEV_TLS=0); the config names the follower's copy.
  engine rm -f "$NAME_PREFIX-gateway" >/dev/null 2>&1 || true
  engine run -d --name "$NAME_PREFIX-gateway" --network=host $(health_flags) \
    --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --label "meridian.containers=$OFFSET" \
    -e GATEWAY_DEV_TLS=0 -v "$FOLLOWER_DIR:/var/lib/meridian-follower:ro" \
    -v "$ROOT/deploy/images/gateway_follow.sh:/usr/local/bin/meridian-gateway-follow:ro" \
    -v "$LOCAL/tls:/etc/meridian/tls:ro" --entrypoint /bin/sh "$IMAGE_PREFIX/gateway:$IMAGE_TAG" \
    /usr/local/bin/meridian-gateway-follow nginx -g "daemon off;" >/dev/null \
    || die "starting $NAME_PREFIX-gateway failed"
  urls+=("https://localhost:$((8443 + OFFSET))/healthz")
  ready "${urls[@]}"
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
