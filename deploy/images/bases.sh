#!/usr/bin/env bash
# Local stand-ins for the official base images, made from Debian packages, for machines where the
# image registries cannot be reached (the package registries and Debian's mirror can):
#   meridian-local/python:3.11-bookworm  debootstrap --variant=minbase bookworm + Debian's
#                                        python3.11 (and pip) at /usr/local/bin, as python:3.11-slim
#   meridian-local/uv:<version>          FROM scratch, /uv: the uv binary of PyPI's wheel
#   meridian-local/nginx:bookworm        the python base + Debian's nginx, an `nginx` user, curl and
#                                        an entrypoint running /docker-entrypoint.d/*.sh, as nginx's
#   meridian-local/node:bookworm         the python base + this machine's node and npm (the nodejs
#                                        package `make up` installs: Debian's 18 is too old for Vite 7)
# Each is made once; rootfs and wheel are kept under .local/images. Sourced by images.sh.
# shellcheck shell=bash

BASES_DIR="$LOCAL/images"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
LOCAL_PYTHON_IMAGE="meridian-local/python:3.11-bookworm"
LOCAL_NGINX_IMAGE="meridian-local/nginx:bookworm"
LOCAL_NODE_IMAGE="meridian-local/node:bookworm"

# uv_version: the uv this workspace runs (and locked uv.lock with).
uv_version() { uv --version | cut -d' ' -f2; }
local_uv_image() { printf 'meridian-local/uv:%s' "$(uv_version)"; }

# python_rootfs: .local/images/python-rootfs, made once by debootstrap (a few minutes).
python_rootfs() {
  local root="$BASES_DIR/python-rootfs"
  if [ ! -e "$root/.meridian-done" ]; then
    need debootstrap
    rm -rf "$root" && mkdir -p "$root"
    say "debootstrap bookworm (minbase + python3.11) into $root"
    debootstrap --variant=minbase --include=python3.11,python3-pip,python3-venv,ca-certificates \
      bookworm "$root" "$DEBIAN_MIRROR" >"$LOGS/debootstrap.log" 2>&1 \
      || die "debootstrap failed: see $LOGS/debootstrap.log"
    python3 "$ROOT/deploy/images/finish_rootfs.py" "$root"
    touch "$root/.meridian-done"
  fi
  printf %s "$root"
}

# image_exists NAME: the engine holds an image of that name.
image_exists() { engine image inspect "$1" >/dev/null 2>&1; }

# import_rootfs DIR NAME: the directory as a one-layer image.
import_rootfs() {
  tar --exclude=./.meridian-done -C "$1" -c . \
    | engine import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$2" >/dev/null
}

ensure_python_base() {
  image_exists "$LOCAL_PYTHON_IMAGE" && return 0
  import_rootfs "$(python_rootfs)" "$LOCAL_PYTHON_IMAGE"
  say "made $LOCAL_PYTHON_IMAGE"
}

ensure_uv_base() {
  local name version dir
  name="$(local_uv_image)"
  image_exists "$name" && return 0
  version="$(uv_version)"
  dir="$BASES_DIR/uv-$version"
  if [ ! -x "$dir/uv" ]; then
    rm -rf "$dir" && mkdir -p "$dir/wheel"
    say "uv $version's wheel from PyPI"
    python3 -m pip download -q --no-deps --only-binary=:all: --dest "$dir/wheel" "uv==$version" \
      >"$LOGS/uv-wheel.log" 2>&1 || die "pip download uv failed: see $LOGS/uv-wheel.log"
    python3 "$ROOT/deploy/images/wheel_file.py" "$dir/wheel"/uv-*.whl uv "$dir/uv"
  fi
  engine_build -t "$name" -f "$ROOT/deploy/images/uv.Dockerfile" "$dir" >"$LOGS/image-base-uv.log" 2>&1 \
    || die "making $name failed: see $LOGS/image-base-uv.log"
  say "made $name"
}

ensure_nginx_base() {
  image_exists "$LOCAL_NGINX_IMAGE" && return 0
  ensure_python_base
  engine_build -t "$LOCAL_NGINX_IMAGE" --build-arg "BASE_IMAGE=$LOCAL_PYTHON_IMAGE" \
    -f "$ROOT/deploy/images/nginx.Dockerfile" "$ROOT/deploy/images" >"$LOGS/image-base-nginx.log" 2>&1 \
    || die "making $LOCAL_NGINX_IMAGE failed: see $LOGS/image-base-nginx.log"
  say "made $LOCAL_NGINX_IMAGE"
}

ensure_node_base() {
  image_exists "$LOCAL_NODE_IMAGE" && return 0
  ensure_python_base
  need npm
  local dir="$BASES_DIR/node"
  rm -rf "$dir" && mkdir -p "$dir/root"
  # This machine's node and its npm (npm may be newer than the nodejs package's), as installed.
  tar -C / -c usr/bin/node usr/bin/npm usr/bin/npx usr/lib/node_modules/npm | tar -C "$dir/root" -x
  engine_build -t "$LOCAL_NODE_IMAGE" --build-arg "BASE_IMAGE=$LOCAL_PYTHON_IMAGE" \
    -f "$ROOT/deploy/images/node.Dockerfile" "$dir" >"$LOGS/image-base-node.log" 2>&1 \
    || die "making $LOCAL_NODE_IMAGE failed: see $LOGS/image-base-node.log"
  say "made $LOCAL_NODE_IMAGE"
}
