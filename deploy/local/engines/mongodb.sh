# A MongoDB-wire server: FerretDB 1.x with its SQLite backend, built from the Go module proxy.
# deploy/local/ferretdb/go.mod pins the release (go.sum its checksum). The published module has no
# build/version/version.txt (its release builds generate it), and cmd/ferretdb panics without it,
# so the module's source is copied out of Go's module cache, the file added, and cmd/ferretdb
# built there (no build tags needed: sqlite and postgresql handlers are in by default). Modules and
# compiled packages stay in Go's own caches; the binary goes to .local/cache/bin.
FERRETDB_VERSION=v1.24.0
FERRETDB_BIN="$CACHE/bin/ferretdb-$FERRETDB_VERSION"
FERRETDB_DIR="$DATA/ferretdb"

install_mongodb() {
  mkdir -p "$FERRETDB_DIR/state"
  [ -x "$FERRETDB_BIN" ] && return 0
  need go
  local pin="$ROOT/deploy/local/ferretdb" src="$CACHE/ferretdb-src-$FERRETDB_VERSION" log="$LOGS/mongodb-install.log" mod
  grep -q "FerretDB/FerretDB $FERRETDB_VERSION\$" "$pin/go.mod" || die "$pin/go.mod does not pin FerretDB $FERRETDB_VERSION"
  say "building FerretDB $FERRETDB_VERSION from the Go module proxy (a minute or two)"
  mod="$(cd "$pin" && GOFLAGS=-mod=readonly go mod download -json github.com/FerretDB/FerretDB 2>>"$log" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  [ -d "${mod:-/nonexistent}" ] || die "downloading FerretDB $FERRETDB_VERSION failed: see $log"
  rm -rf "$src" && cp -r "$mod" "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  echo "meridian-local" >"$src/build/version/package.txt"
  mkdir -p "$CACHE/bin"
  (cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
    go build -trimpath -o "$FERRETDB_BIN.partial" ./cmd/ferretdb) >>"$log" 2>&1 \
    || die "building FerretDB failed: see $log"
  mv "$FERRETDB_BIN.partial" "$FERRETDB_BIN"
  rm -rf "$src"
}

program_mongodb() {
  program mongodb "$FERRETDB_BIN --handler=sqlite --sqlite-url=file:$FERRETDB_DIR/ --state-dir=$FERRETDB_DIR/state --listen-addr=127.0.0.1:$MONGO_PORT --telemetry=disable --debug-addr=- --log-level=info"
}
