#!/usr/bin/env bash
# Builds the operator console into <repo>/.local/console, which the gateway serves at /.
# Idempotent: `npm ci` runs only when package-lock.json changed; the build only when a source did.
# `npm ci` never rewrites package-lock.json: a lock it refuses is an error to fix in the commit
# (the lock holds every platform's optional packages: `npm install --package-lock-only`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=../../deploy/local/lib.sh
source "$root/deploy/local/lib.sh"  # need: npm from deploy/local/packages.tsv
out="$root/.local/console"
stamp="$root/.local/cache/console.source-sum"
cd "$here"

need npm

lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat node_modules/.meridian-lock 2>/dev/null)" != "$lock_sum" ]]; then
  echo "console: npm ci"
  npm ci --no-audit --no-fund --loglevel=error \
    || { echo "console: npm ci refused package-lock.json: regenerate and commit it (see the top of $0)" >&2; exit 1; }
  echo "$lock_sum" > node_modules/.meridian-lock
fi

src_sum="$(cat package-lock.json index.html vite.config.ts tsconfig.json $(find src -type f | sort) | sha256sum | cut -d' ' -f1)"
if [[ -f "$out/index.html" && "$(cat "$stamp" 2>/dev/null)" == "$src_sum" ]]; then
  echo "console: up to date in $out"
  exit 0
fi
npm run --silent build
mkdir -p "$(dirname "$stamp")"
echo "$src_sum" > "$stamp"
echo "console: built into $out"
