#!/usr/bin/env bash
# Writes the secrets deploy/docker-compose.yml needs to an env file (default .local/compose.env),
# generating each one once: a second run keeps existing values and adds only missing keys.
#
#   bash deploy/docker/make_env.sh [FILE]
#   docker compose --env-file .local/compose.env -f deploy/docker-compose.yml up --build -d
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
file=${1:-$root/.local/compose.env}
mkdir -p "$(dirname "$file")"
touch "$file"
chmod 600 "$file"

put() {  # put KEY VALUE: appends KEY=VALUE unless KEY is already set in the file
    grep -q "^$1=" "$file" || printf '%s=%s\n' "$1" "$2" >>"$file"
}
secret() { openssl rand -hex 24; }

put MARIADB_ROOT_PASSWORD "$(secret)"
put MYSQL_USER meridian
put MYSQL_PASSWORD "$(secret)"
put SMTP_PASSWORD "$(secret)"
put INGEST_ADMIN_TOKEN "$(secret)"
put APIKEY "$(secret)"
put AWS_ACCESS_KEY_ID meridian
put AWS_SECRET_ACCESS_KEY "$(secret)"
put KMDB_API_TOKEN "$(secret)"
put METRICS_API_READ_TOKEN "$(secret)"
put METRICS_API_WRITE_TOKEN "$(secret)"
put CONFIG_ADMIN_KEY "$(secret)"
put CONFIG_FOLLOWER_KEY "$(secret)"
put MERIDIAN_ADMIN_USER admin
put MERIDIAN_ADMIN_PASSWORD "$(secret)"
echo "compose secrets in $file"
