"""The kit's atomic write and JSON-config loading (used by config-leader and config-follower)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from meridian_kit.files import folder_lock, write_atomically
from meridian_kit.json_config import ConfigError, http_url, read_json_object, validate_config
from pydantic import BaseModel, field_validator


class Sample(BaseModel):
    url: str
    count: int

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        return http_url(url)


def test_write_atomically_replaces_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.json"
    write_atomically(target, b"one")
    assert target.read_bytes() == b"one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.chmod(0o644)
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    write_atomically(target, b"three", mode=0o640)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.json"]


def test_write_atomically_failure_keeps_old_content_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a"
    write_atomically(target, b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a"]


def test_folder_lock_creates_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    with folder_lock(folder):
        assert folder.is_dir()


def test_read_json_object_names_the_file_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with pytest.raises(ConfigError, match=r"c\.json: no such file"):
        read_json_object(path)
    path.write_text("[1]")
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        read_json_object(path)
    path.write_text("{bad")
    with pytest.raises(ConfigError, match=r"c\.json: Expecting"):
        read_json_object(path)
    path.write_text('{"a": 1}')
    assert read_json_object(path) == {"a": 1}


def test_read_json_object_raises_the_callers_error(tmp_path: Path) -> None:
    class Mine(Exception):
        pass

    with pytest.raises(Mine):
        read_json_object(tmp_path / "missing.json", Mine)


def test_validate_config_lists_every_problem_by_field(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    with pytest.raises(ConfigError) as caught:
        validate_config(path, {"url": "ftp://x", "count": "many"}, Sample)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "url: Value error, must be an http:// or https:// URL" in message
    assert "count: " in message
    with pytest.raises(ConfigError, match="<u>"):
        validate_config(path, {"url": 3}, Sample, where=lambda loc: "<u>")
    ok = validate_config(path, {"url": "https://leader.example/", "count": 2}, Sample)
    assert ok.url == "https://leader.example" and ok.count == 2
