# An S3-compatible server: moto's server (moto[server] from PyPI, in the workspace venv).
install_s3() { [ -x "$VENV/bin/moto_server" ] || die "moto_server missing from .venv (uv sync)"; }
program_s3() {
  program s3 "$VENV/bin/moto_server -H 127.0.0.1 -p $S3_PORT"
}
