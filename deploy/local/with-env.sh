#!/usr/bin/env bash
# Runs a command with .local/dev.env exported: how supervisord starts every service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
set -a
# shellcheck disable=SC1091
. "$ROOT/.local/dev.env"
[ -e "$ROOT/.local/services.env" ] && . "$ROOT/.local/services.env"
set +a
exec "$@"
