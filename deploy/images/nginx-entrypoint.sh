#!/bin/sh
# Entrypoint of the local nginx base (nginx.Dockerfile): runs each executable
# /docker-entrypoint.d/*.sh in order, as the official image does, then the command.
set -eu
for script in /docker-entrypoint.d/*.sh; do
  if [ -x "$script" ]; then sh "$script"; fi
done
exec "$@"
