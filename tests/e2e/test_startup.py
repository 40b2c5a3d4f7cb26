"""Each service's console script refuses to start without its settings, in one line naming them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

REQUIRED = {
    "ingest": [
        "KM_ELASTICSEARCH_URL",
        "KM_MONGO_URL",
        "KM_REDIS_URL",
        "SMTP_USER",
        "SMTP_PASSWORD",
        "SMTP_SENDER",
        "SMTP_HOST",
    ],
    "analytics": ["EL_HOST", "APIKEY", "CELERY_BROKER_URL"],
    "kmdb-api": ["DATABASE_URL", "KMDB_REDIS_URL"],
    "metrics-api": ["METRICS_SERVER_CASSANDRA"],
    "config-leader": ["CONFIG_LEADER_CONFIG"],
    "config-follower": ["CONFIG_FOLLOWER_CONFIG"],
}


@pytest.mark.parametrize("script", list(REQUIRED))
def test_missing_settings_stop_the_service_with_one_line(script: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    done = subprocess.run([str(BIN / script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for name in REQUIRED[script]:
        assert name in lines[0]


@pytest.mark.parametrize("script", list(REQUIRED))
def test_help(script: str) -> None:
    done = subprocess.run([str(BIN / script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--port" in done.stdout
