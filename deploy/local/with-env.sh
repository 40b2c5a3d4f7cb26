#!/usr/bin/env bash
# Runs a command with .local/dev.env exported: how supervisord starts every service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
set -a
# shellcheck disable=SC1091
. "$ROOT/.local/dev.env"
# The service's env file from the configuration leader, as this machine's follower applied it.
service_env="$ROOT/.local/config-follower/data/services/${MERIDIAN_SERVICE:-none}.env"
if [ -e "$service_env" ]; then . "$service_env"; fi
set +a
exec "$@"
