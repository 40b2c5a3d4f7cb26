"""config-leader's route tests run a real leader process (leader_process.py) in a temp folder of
their own: `leader` a fresh one per test, `shared_leader` one per module for tests that leave its
settings as they found them, `bare_leader` a folder with nothing started. Each has follower keys
of roles `web` and `api` (no follower process: tests/config runs leaders with followers)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # leader_process.py, beside this file

from leader_process import LeaderSetup


def leader_with_keys(root: Path) -> LeaderSetup:
    setup = LeaderSetup(root)
    setup.follower_key("web")
    setup.follower_key("api")
    return setup


def started(root: Path) -> LeaderSetup:
    setup = leader_with_keys(root)
    setup.write_leader_config()
    try:
        setup.start_leader()
    except BaseException:
        setup.stop_all()
        raise
    return setup


@pytest.fixture
def leader(tmp_path: Path) -> Iterator[LeaderSetup]:
    setup = started(tmp_path)
    try:
        yield setup
    finally:
        setup.stop_all()


@pytest.fixture(scope="module")
def shared_leader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeaderSetup]:
    setup = started(tmp_path_factory.mktemp("leader"))
    try:
        yield setup
    finally:
        setup.stop_all()


@pytest.fixture
def bare_leader(tmp_path: Path) -> Iterator[LeaderSetup]:
    setup = leader_with_keys(tmp_path)
    try:
        yield setup
    finally:
        setup.stop_all()
