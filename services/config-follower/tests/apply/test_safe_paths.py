"""Leader paths may only land inside dataFolder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from config_follower.apply.safe_paths import UnsafePath, target_path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("", "empty path"),
        ("/", "empty path"),
        ("//etc/passwd", "absolute path"),
        ("/../outside.txt", "'..' or '.' component"),
        ("/conf/../../outside.txt", "'..' or '.' component"),
        ("/conf/./x", "'..' or '.' component"),
        ("/conf//x", "empty component"),
        ("/conf/x\0y", "NUL or backslash"),
        ("/conf\\..\\x", "NUL or backslash"),
    ],
)
def test_traversal_attempts_are_refused_naming_the_path(
    tmp_path: Path, path: str, reason: str
) -> None:
    with pytest.raises(UnsafePath) as refused:
        target_path(tmp_path, path)
    assert refused.value.path == path
    assert reason in refused.value.reason
    assert repr(path) in str(refused.value)


def test_links_leading_out_are_refused(tmp_path: Path) -> None:
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    os.symlink(outside, data / "conf")
    os.symlink(outside / "f.txt", data / "direct.txt")
    with pytest.raises(UnsafePath, match="a link leads out of dataFolder"):
        target_path(data, "/conf/app.json")
    with pytest.raises(UnsafePath, match="a link leads out of dataFolder"):
        target_path(data, "/direct.txt")


def test_plain_and_nested_paths_map_inside_data_folder(tmp_path: Path) -> None:
    assert target_path(tmp_path, "/conf/app.json") == tmp_path.resolve() / "conf" / "app.json"
    assert target_path(tmp_path, "top.env") == tmp_path.resolve() / "top.env"
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "alias")
    assert target_path(tmp_path, "/alias/x").parent.name == "alias"
