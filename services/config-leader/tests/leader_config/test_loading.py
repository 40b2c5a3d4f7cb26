"""config-leader.json: SECRET internals generated once, persisted, never regenerated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from config_leader.leader_config.loading import ConfigError, load_config


def write(path: Path, body: dict) -> Path:
    path.write_text(json.dumps(body))
    return path


def test_secrets_are_generated_once_and_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config-leader.json",
        {"dataFolder": "data", "internals": {"A": "SECRET", "B": "SECRET", "C": "fixed"}},
    )
    first = load_config(path)
    a, b = first.internals["A"], first.internals["B"]
    assert re.fullmatch(r"[0-9a-z]{32}", a) and re.fullmatch(r"[0-9a-z]{32}", b)
    assert a != b
    assert first.internals["C"] == "fixed"
    assert json.loads(path.read_text())["internals"] == first.internals
    assert load_config(path).internals == first.internals


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "config-leader.json", {"dataFolder": "data"})
    config = load_config(path)
    assert config.data_folder == tmp_path / "data"
    assert config.platform_path == tmp_path / "platform.yml"
    assert config.history_path == tmp_path / "platform-history"


def test_invalid_config_names_the_field_without_showing_follower_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config-leader.json",
        {"dataFolder": "d", "followers": {"very-secret-key": {"url": "ftp://x", "role": "../etc"}}},
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "followers.<key>.url" in message and "followers.<key>.role" in message
    assert "very-secret-key" not in message
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.json")
