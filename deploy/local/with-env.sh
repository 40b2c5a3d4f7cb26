#!/usr/bin/env bash
# Runs a command with .local/dev.env exported: how supervisord starts every service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Settings suite.sh derived from the instance counts (MERIDIAN_DERIVED names them, supervisord gives
# them): they win over dev.env's defaults, e.g. INGEST_METRICS_API_URL listing every metrics-api.
derived=()
for name in ${MERIDIAN_DERIVED:-}; do derived+=("$name=${!name-}"); done
set -a
# shellcheck disable=SC1091
. "$ROOT/.local/dev.env"
# The service's env file from the configuration leader, as this machine's follower applied it.
service_env="$ROOT/.local/config-follower/data/services/${MERIDIAN_SERVICE:-none}.env"
if [ -e "$service_env" ]; then . "$service_env"; fi
set +a
for setting in "${derived[@]}"; do export "${setting?}"; done
exec "$@"
