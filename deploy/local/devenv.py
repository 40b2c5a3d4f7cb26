"""Writes .local/dev.env: every development setting and secret, generated once and kept.

Run again, it keeps existing values and only adds keys it did not have, so secrets stay stable.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
sys.path.insert(0, str(ROOT / "gateway"))
from render import local_ports  # noqa: E402  (gateway/ is not a package)


def secret() -> str:
    """A random URL-safe development secret."""
    return secrets.token_urlsafe(24)


def defaults(values: dict[str, str]) -> dict[str, str]:
    """The development settings; values already chosen are used to build dependent ones."""
    d: dict[str, str] = {}

    def put(key: str, value: str) -> str:
        d[key] = values.get(key, value)
        return d[key]

    put("MERIDIAN_ROOT", str(ROOT))
    put("MERIDIAN_CA", str(LOCAL / "tls" / "ca.crt"))
    put("GATEWAY_URL", "https://localhost:8443")
    # engines
    put("ES_PORT", "9200")
    put("MONGO_PORT", "27017")
    put("REDIS_PORT", "6379")
    put("MYSQL_PORT", "3306")
    put("CQL_PORT", "9042")
    put("S3_PORT", "9000")
    put("SMTP_PORT", "1025")
    put("SMTP_SINK_DIR", str(LOCAL / "data" / "smtp"))
    mysql_user = put("MYSQL_USER", "meridian")
    mysql_password = put("MYSQL_PASSWORD", secret())
    # ingest
    put("KM_ELASTICSEARCH_URL", "127.0.0.1:9200")
    put("KM_MONGO_URL", "mongodb://127.0.0.1:27017/meridian_ingest")
    put("KM_REDIS_URL", "redis://127.0.0.1:6379/0")
    put("SMTP_HOST", "127.0.0.1")
    put("SMTP_USER", "meridian")
    put("SMTP_PASSWORD", secret())
    put("SMTP_SENDER", "alerts@meridian.localhost")
    put("INGEST_ADMIN_TOKEN", secret())
    put("INGEST_PUBLIC_URL", "https://localhost:8443/ingest")
    put("INGEST_METRICS_API_URL", f"http://127.0.0.1:{local_ports()['metrics-api']}")
    # analytics
    put("EL_HOST", "127.0.0.1")
    put("EL_PORT", "9200")
    put("APIKEY", secret())
    put("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
    put("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/2")
    # kmdb-import
    put("DATABASE_URL", f"mysql://{mysql_user}:{mysql_password}@127.0.0.1:3306/kmdb")
    put("KMDB_REDIS_URL", "redis://127.0.0.1:6379/3")
    put("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    put("AWS_ACCESS_KEY_ID", "meridian")
    put("AWS_SECRET_ACCESS_KEY", secret())
    put("AWS_REGION", "us-east-1")
    put("AWS_BUCKET", "kmdb-exports")
    put("KMDB_API_TOKEN", secret())
    # metrics-api
    put("METRICS_SERVER_CASSANDRA", "127.0.0.1:9042")
    put("METRICS_API_READ_TOKEN", secret())  # the dashboard's (reads only)
    put("METRICS_API_WRITE_TOKEN", secret())  # writers' (ingest's forwarder) and dashboard saves
    # config leader / follower
    put("CONFIG_LEADER_CONFIG", str(LOCAL / "config-leader" / "config-leader.json"))
    put("CONFIG_FOLLOWER_CONFIG", str(LOCAL / "config-follower" / "config-follower.json"))
    put("CONFIG_ADMIN_KEY", secret())
    put("CONFIG_FOLLOWER_KEY", secret())
    # the first platform operator, created by the leader at its start (sign in: POST /config/auth/login)
    put("MERIDIAN_ADMIN_USER", "admin")
    put("MERIDIAN_ADMIN_PASSWORD", secret())
    return d


def read_env(path: Path) -> dict[str, str]:
    """Parses KEY=value lines (no quoting: generated values never need it)."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and not line.startswith("#"):
                values[key.strip()] = value.strip()
    return values


def main() -> None:
    """Writes the file given as the only argument (default .local/dev.env)."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else LOCAL / "dev.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = read_env(path)
    values = {**existing, **defaults(existing)}
    body = "# Meridian development settings and secrets, generated once. Not for production.\n"
    body += "".join(f"{k}={v}\n" for k, v in values.items())
    tmp = path.with_suffix(".tmp")
    tmp.write_text(body)
    tmp.chmod(0o600)
    tmp.replace(path)


if __name__ == "__main__":
    main()
