"""Settings checked at start: CARDINALITY_PRECISION_THRESHOLD at most 40000, no placeholder key."""

from __future__ import annotations

import subprocess
import sys

import pytest
from analytics.settings import Settings
from analytics_run import child_env
from pydantic import ValidationError


@pytest.mark.parametrize("value", ["40001", "0", "-5"])
def test_precision_threshold_is_bounded(value):
    with pytest.raises(ValidationError, match="CARDINALITY_PRECISION_THRESHOLD"):
        Settings(CARDINALITY_PRECISION_THRESHOLD=value)  # type: ignore[arg-type]


def test_defaults_follow_the_original():
    settings = Settings(MIGRATION_MANAGER_INDEX="migrations")  # type: ignore[arg-type]
    assert settings.cardinality_precision_threshold in range(1, 40001)
    assert Settings.model_fields["cardinality_precision_threshold"].default == 40000
    assert Settings.model_fields["migration_manager_index"].default == "migrations"


def test_the_server_refuses_to_start_with_a_bad_threshold():
    result = subprocess.run(
        [sys.executable, "-c", "from analytics.cli import main; main()"],
        env=child_env(CARDINALITY_PRECISION_THRESHOLD="50000"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "CARDINALITY_PRECISION_THRESHOLD" in result.stderr


@pytest.mark.parametrize("value", ["ftp://tm.example", "tm.example/task_manager"])
def test_the_task_manager_url_is_an_http_url(value):
    with pytest.raises(ValidationError, match="TASK_MANAGER_URL"):
        Settings(TASK_MANAGER_URL=value)  # type: ignore[arg-type]


def test_no_task_manager_by_default():
    settings = Settings(TASK_MANAGER_URL="")  # type: ignore[arg-type]
    assert settings.task_manager_url is None


def test_el_host_may_list_a_clusters_nodes():
    settings = Settings(
        el_host="10.0.0.1, https://10.0.0.2", el_port=9201, apikey="k", broker_url="redis://x"
    )
    assert settings.elasticsearch_urls == ["http://10.0.0.1:9201", "https://10.0.0.2:9201"]
    assert settings.elasticsearch_url == "http://10.0.0.1:9201"
