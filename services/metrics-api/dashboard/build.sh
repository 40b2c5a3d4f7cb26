#!/usr/bin/env bash
# Builds the dashboard into <repo>/.local/dashboard, which the gateway serves at /.
# Idempotent: `npm ci` runs only when package-lock.json changed; the build only when a source did.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/.local/dashboard"
stamp="$root/.local/cache/dashboard.source-sum"
cd "$here"

command -v npm >/dev/null || { echo "dashboard: npm not found (apt-get install nodejs npm)" >&2; exit 1; }

lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -d node_modules || "$(cat node_modules/.meridian-lock 2>/dev/null)" != "$lock_sum" ]]; then
  echo "dashboard: npm ci"
  # npm 11 may refuse `npm ci` over platform-only optional packages (npm/cli#4828); install then.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.meridian-lock
fi

src_sum="$(cat package-lock.json index.html vite.config.ts tsconfig.json $(find src -type f | sort) | sha256sum | cut -d' ' -f1)"
if [[ -f "$out/index.html" && "$(cat "$stamp" 2>/dev/null)" == "$src_sum" ]]; then
  echo "dashboard: up to date in $out"
  exit 0
fi
npm run --silent build
mkdir -p "$(dirname "$stamp")"
echo "$src_sum" > "$stamp"
echo "dashboard: built into $out"
