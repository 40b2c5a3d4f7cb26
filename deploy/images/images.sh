#!/usr/bin/env bash
# The suite's container images, built and run on this machine (docker where a daemon answers, else
# Debian's podman as root with runc):
#   images.sh build        the six service images and the gateway's (make images)
#   images.sh bases        only the base images (official ones pulled, else made locally)
#   images.sh engine       prints the engine it uses
#   images.sh run-engine ARGS...   runs that engine (podman with its flags) with ARGS
# ENGINE=docker|podman forces one; LOCAL_BASES=1 makes the local bases without trying a pull.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"
source "$ROOT/deploy/images/bases.sh"

# The images: service directory, its console script, its port (services.Dockerfile's arguments).
SERVICE_IMAGES=(
  "ingest ingest 8101"
  "analytics analytics 8102"
  "kmdb-import kmdb-api 8103"
  "metrics-api metrics-api 8104"
  "config-leader config-leader 8105"
  "config-follower config-follower 8106"
)
IMAGE_PREFIX="${IMAGE_PREFIX:-meridian}"
IMAGE_TAG="${IMAGE_TAG:-latest}"
OFFICIAL_PYTHON_IMAGE="docker.io/library/python:3.11-slim-bookworm"
OFFICIAL_NGINX_IMAGE="docker.io/library/nginx:1.27-bookworm"
OFFICIAL_NODE_IMAGE="docker.io/library/node:22-bookworm-slim"
HOST_CA=/etc/ssl/certs/ca-certificates.crt

choose_engine() {
  if [ -z "${ENGINE:-}" ]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then ENGINE=docker; else ENGINE=podman; fi
  fi
  case "$ENGINE" in
    docker) ;;
    podman) ensure_packages images && runc --version >/dev/null || die "runc does not run" ;;
    *) die "ENGINE must be docker or podman, not $ENGINE" ;;
  esac
}

# engine ARGS...: the container engine; podman as root with runc and cgroupfs (no systemd here).
engine() {
  if [ "$ENGINE" = docker ]; then docker "$@"; else podman --runtime runc --cgroup-manager=cgroupfs "$@"; fi
}

# engine_build ARGS...: a build reaching the package registries from the host's network; podman's
# RUN steps see the host's CA bundle where the image keeps its own (the build stages point uv, pip
# and npm at that path), so registries behind this machine's CA are trusted inside builds too.
engine_build() {
  if [ "$ENGINE" = docker ]; then
    DOCKER_BUILDKIT=1 docker build --network=host "$@"
  else
    engine build --network=host --format docker --layers -v "$HOST_CA:$HOST_CA:ro" "$@"
  fi
}

# pulled IMAGE: the official image is here, or can be pulled now.
pulled() {
  [ "${LOCAL_BASES:-0}" = 1 ] && return 1
  image_exists "$1" && return 0
  ENGINE="$ENGINE" timeout 90 "$ROOT/deploy/images/images.sh" pull-one "$1" >/dev/null 2>&1
}

# choose_bases: PYTHON_IMAGE, UV_IMAGE, NGINX_IMAGE, NODE_IMAGE: official, else local.
choose_bases() {
  local uv_official
  uv_official="ghcr.io/astral-sh/uv:$(uv_version)"
  if pulled "$OFFICIAL_PYTHON_IMAGE"; then PYTHON_IMAGE="$OFFICIAL_PYTHON_IMAGE"; else
    say "$OFFICIAL_PYTHON_IMAGE cannot be pulled: a local base from Debian"
    ensure_python_base; PYTHON_IMAGE="$LOCAL_PYTHON_IMAGE"
  fi
  if pulled "$uv_official"; then UV_IMAGE="$uv_official"; else ensure_uv_base; UV_IMAGE="$(local_uv_image)"; fi
  if pulled "$OFFICIAL_NGINX_IMAGE"; then NGINX_IMAGE="$OFFICIAL_NGINX_IMAGE"; else ensure_nginx_base; NGINX_IMAGE="$LOCAL_NGINX_IMAGE"; fi
  if pulled "$OFFICIAL_NODE_IMAGE"; then NODE_IMAGE="$OFFICIAL_NODE_IMAGE"; else ensure_node_base; NODE_IMAGE="$LOCAL_NODE_IMAGE"; fi
}

build_images() {
  local row dir script port
  choose_bases
  for row in "${SERVICE_IMAGES[@]}"; do
    read -r dir script port <<<"$row"
    say "building $IMAGE_PREFIX/$dir:$IMAGE_TAG ($ENGINE)"
    engine_build -t "$IMAGE_PREFIX/$dir:$IMAGE_TAG" -f "$ROOT/deploy/images/services.Dockerfile" \
      --build-arg "SERVICE=$dir" --build-arg "COMMAND=$script" --build-arg "PORT=$port" \
      --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" --build-arg "UV_IMAGE=$UV_IMAGE" "$ROOT" \
      >"$LOGS/image-$dir.log" 2>&1 || die "building $dir failed: see $LOGS/image-$dir.log"
  done
  say "building $IMAGE_PREFIX/gateway:$IMAGE_TAG ($ENGINE)"
  engine_build -t "$IMAGE_PREFIX/gateway:$IMAGE_TAG" -f "$ROOT/gateway/Dockerfile" \
    --build-arg "DOMAIN=${DOMAIN:-localhost}" --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" \
    --build-arg "NGINX_IMAGE=$NGINX_IMAGE" --build-arg "NODE_IMAGE=$NODE_IMAGE" "$ROOT" \
    >"$LOGS/image-gateway.log" 2>&1 || die "building the gateway failed: see $LOGS/image-gateway.log"
  say "images built: $IMAGE_PREFIX/{ingest,analytics,kmdb-import,metrics-api,config-leader,config-follower,gateway}:$IMAGE_TAG"
}

main() {
  local command="${1:-build}"
  choose_engine
  case "$command" in
    build) build_images ;;
    bases) choose_bases; printf '%s\n' "$PYTHON_IMAGE" "$UV_IMAGE" "$NGINX_IMAGE" "$NODE_IMAGE" ;;
    engine) printf '%s\n' "$ENGINE" ;;
    run-engine) shift; engine "$@" ;;
    pull-one) engine pull -q "$2" ;;
    *) die "usage: images.sh build|bases|engine|run-engine ARGS..." ;;
  esac
}

# Run, not sourced (containers.sh sources it for its functions).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
