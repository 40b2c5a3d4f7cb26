#!/usr/bin/env bash
# Makes `docker compose` available for validating deploy/docker-compose.yml on a machine whose
# docker CLI has no compose plugin: builds Docker Compose v2 (pinned in compose-plugin/go.mod)
# from the Go module proxy into .local/docker/cli-plugins/. Idempotent: an existing build of the
# pinned version is kept. Prints the folder to use as DOCKER_CONFIG:
#
#   DOCKER_CONFIG=$(bash deploy/docker/compose_plugin.sh) docker compose -f deploy/docker-compose.yml config
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pin="$root/deploy/docker/compose-plugin"
version=$(sed -n 's|^require github.com/docker/compose/v2 \(v[^ ]*\).*|\1|p' "$pin/go.mod")
config_dir="$root/.local/docker"
plugin="$config_dir/cli-plugins/docker-compose"
stamp="$plugin.version"
log="$root/.local/logs/compose-plugin-build.log"

if [[ -x $plugin && -f $stamp && $(cat "$stamp") == "$version" ]]; then
    echo "$config_dir"
    exit 0
fi
command -v go >/dev/null 2>&1 || PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
    echo "compose_plugin.sh: no Go toolchain to build Docker Compose $version" >&2
    exit 1
fi
mkdir -p "$(dirname "$plugin")" "$(dirname "$log")"
echo "compose_plugin.sh: building Docker Compose $version from the Go module proxy (a few minutes)" >&2
if ! (cd "$pin" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
        -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
        -o "$plugin.partial" github.com/docker/compose/v2/cmd) >"$log" 2>&1; then
    echo "compose_plugin.sh: the build failed; see $log" >&2
    exit 1
fi
mv "$plugin.partial" "$plugin"
echo "$version" >"$stamp"
echo "$config_dir"
