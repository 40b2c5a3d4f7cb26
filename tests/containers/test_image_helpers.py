"""The small programs of deploy/images that make the local bases and the containers' leader copy
(run for real by `make images` / `make test-containers`; here each on files of its own)."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

IMAGES = Path(__file__).resolve().parents[2] / "deploy" / "images"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, IMAGES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


leader_copy = load("leader_copy")
finish_rootfs = load("finish_rootfs")
wheel_file = load("wheel_file")


def test_the_leader_copy_names_itself_and_has_no_followers(tmp_path: Path) -> None:
    original, copy = tmp_path / "leader", tmp_path / "copy"
    copy.mkdir()
    (copy / "config-leader.json").write_text(
        json.dumps(
            {
                "http": {"ip": "127.0.0.1", "port": 8105},
                "dataFolder": f"{original}/data",
                "platformConfig": f"{original}/platform.yml",
                "operators": {"database": f"{original}/operators.db"},
                "elsewhere": f"{original}-other/x",
                "followers": {"key": {"url": "http://127.0.0.1:8106", "role": "local"}},
            }
        )
    )
    leader_copy.main(original, copy)
    config = json.loads((copy / "config-leader.json").read_text())
    assert config["dataFolder"] == f"{copy}/data"
    assert config["platformConfig"] == f"{copy}/platform.yml"
    assert config["operators"]["database"] == f"{copy}/operators.db"
    assert config["elsewhere"] == f"{original}-other/x", "only paths under the folder move"
    assert config["followers"] == {}
    assert config["http"] == {"ip": "127.0.0.1", "port": 8105}


def test_the_rootfs_gets_python_where_the_official_image_has_it(tmp_path: Path) -> None:
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/python3.11").write_text("#!python\n")
    (tmp_path / "usr/lib/python3.11").mkdir(parents=True)
    (tmp_path / "usr/lib/python3.11/EXTERNALLY-MANAGED").write_text("[externally-managed]\n")
    (tmp_path / "var/cache/apt/archives/partial").mkdir(parents=True)
    (tmp_path / "var/cache/apt/archives/x.deb").write_text("deb")
    finish_rootfs.finish(tmp_path)
    link = tmp_path / "usr/local/bin/python3.11"
    assert link.is_symlink() and link.resolve() == (tmp_path / "usr/bin/python3.11").resolve()
    assert not (tmp_path / "usr/lib/python3.11/EXTERNALLY-MANAGED").exists()
    assert list((tmp_path / "var/cache/apt/archives").iterdir()) == [
        tmp_path / "var/cache/apt/archives/partial"
    ]


def test_the_uv_binary_comes_out_of_the_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "uv-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("uv-1.0.data/scripts/uv", b"\x7fELF binary")
        archive.writestr("uv-1.0.data/scripts/uvx", b"other")
    wheel_file.extract(wheel, "uv", tmp_path / "uv")
    assert (tmp_path / "uv").read_bytes() == b"\x7fELF binary"
    assert (tmp_path / "uv").stat().st_mode & 0o111
    with pytest.raises(SystemExit, match="expected one missing"):
        wheel_file.extract(wheel, "missing", tmp_path / "none")
