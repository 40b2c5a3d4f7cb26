"""Fixtures for the instance-count tests (helpers in private_processes.py)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.instances.private_processes import DEV_TLS, NGINX, stop


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev CA and localhost certificate made by gateway/dev_tls.sh."""
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(["bash", str(DEV_TLS), str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts; each is stopped (nginx gracefully) when the test ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in reversed(started):
        is_nginx = isinstance(process.args, list) and process.args[0] == NGINX
        stop(process, signal.SIGQUIT if is_nginx else signal.SIGTERM)
