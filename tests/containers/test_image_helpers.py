"""The small programs of deploy/images that make the local bases and the containers' leader and
follower configs
(run for real by `make images` / `make test-containers`; here each on files of its own)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
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


containers_config = load("containers_config")
finish_rootfs = load("finish_rootfs")
wheel_file = load("wheel_file")


KEY = "follower-key-for-the-test"


def suite_leader(folder: Path, platform_vars: dict[str, object] | None = None) -> Path:
    """A leader folder as deploy/local/dev_config.py writes it: the `local` role and one follower."""
    local = folder / "data" / "local"
    (local / "services").mkdir(parents=True)
    (local / "services" / "ingest.env").write_text("KM_REDIS_URL=redis://127.0.0.1:6379/0\n")
    (local / "nginx" / "conf" / "secret").mkdir(parents=True)
    (local / "nginx" / "conf" / "secret" / "DOMAIN-key.pem").write_text("key\n")
    (folder / "platform.yml").write_text(
        json.dumps({"vars": platform_vars or {"DOMAIN": "localhost", "GATEWAY_BODY_LIMIT": "20m"}})
    )
    (folder / "config-leader.json").write_text(
        json.dumps(
            {
                "http": {"ip": "127.0.0.1", "port": 8105},
                "dataFolder": f"{folder}/data",
                "platformConfig": f"{folder}/platform.yml",
                "operators": {"database": f"{folder}/operators.db"},
                "elsewhere": f"{folder}-other/x",
                "internals": {"MERIDIAN_INTERNAL_SECRET": "s"},
                "followers": {"key": {"url": "http://127.0.0.1:8106", "role": "local"}},
            }
        )
    )
    return folder


def test_the_leader_copy_names_itself_and_serves_only_the_follower_container(
    tmp_path: Path,
) -> None:
    original, copy = suite_leader(tmp_path / "leader"), tmp_path / "copy"
    follower = tmp_path / "follower"
    containers_config.main(
        [
            *("--original", str(original), "--leader", str(copy), "--follower", str(follower)),
            *("--offset", "10000", "--follower-key", KEY),
            *("--upstream", "ingest=127.0.0.1:18101,127.0.0.1:18201"),
            *("--upstream", "config-leader=127.0.0.1:18105,127.0.0.1:18205"),
        ]
    )
    config = json.loads((copy / "config-leader.json").read_text())
    assert config["dataFolder"] == f"{copy}/data"
    assert config["platformConfig"] == f"{copy}/platform.yml"
    assert config["operators"]["database"] == f"{copy}/operators.db"
    assert config["elsewhere"] == f"{original}-other/x", "only paths under the folder move"
    assert config["followers"] == {KEY: {"url": "http://127.0.0.1:18106", "role": "containers"}}
    assert json.loads((original / "config-leader.json").read_text())["followers"] == {
        "key": {"url": "http://127.0.0.1:8106", "role": "local"}
    }, "the original stays the suite's"
    role = copy / "data" / "containers"
    assert (role / "services" / "ingest.env").read_text().startswith("KM_REDIS_URL=")
    assert (role / "nginx" / "conf" / "secret" / "DOMAIN-key.pem").exists()
    nginx = (role / "gateway" / "nginx.conf").read_text()
    # The leader's settings stay names for it to substitute; paths and ports are the containers'.
    assert "client_max_body_size GATEWAY_BODY_LIMIT;" in nginx
    assert "/var/lib/meridian-follower/files/nginx/conf/secret/DOMAIN-bundle.crt" in nginx
    assert "listen 0.0.0.0:18443 ssl" in nginx
    assert "server 127.0.0.1:18101" in nginx and "server 127.0.0.1:18201" in nginx
    assert not (original / "data" / "containers").exists()
    follower_config = json.loads((follower / "config-follower.json").read_text())
    # every leader container, tried in turn
    assert follower_config["leader"] == {
        "url": "http://127.0.0.1:18105 http://127.0.0.1:18205",
        "auth": KEY,
    }
    assert follower_config["paths"]["dataFolder"] == "/data/files"
    assert follower_config["http"]["port"] == 18106
    (hook,) = follower_config["hooks"]
    assert hook["match"] == ["gateway/**", "nginx/**"]
    assert (follower / "config-follower.json").stat().st_mode & 0o077 == 0, "it holds the key"


def test_without_an_offset_the_suites_own_folder_serves_the_follower_container(
    tmp_path: Path,
) -> None:
    # make containers-up: the suite's leader folder itself (make up rewrites its config again).
    original = suite_leader(tmp_path / "leader")
    follower = tmp_path / "follower"
    containers_config.main(
        [
            *("--original", str(original), "--leader", str(original), "--follower", str(follower)),
            *("--follower-key", KEY),
        ]
    )
    config = json.loads((original / "config-leader.json").read_text())
    assert config["dataFolder"] == f"{original}/data"
    assert config["followers"] == {KEY: {"url": "http://127.0.0.1:8106", "role": "containers"}}
    assert config["internals"] == {"MERIDIAN_INTERNAL_SECRET": "s"}, "its secrets kept"
    nginx = (original / "data" / "containers" / "gateway" / "nginx.conf").read_text()
    assert "listen 0.0.0.0:8443 ssl" in nginx
    assert (original / "data" / "local" / "services" / "ingest.env").exists(), "local role kept"
    follower_config = json.loads((follower / "config-follower.json").read_text())
    assert follower_config["leader"]["url"] == "http://127.0.0.1:8105"


def test_the_follower_hook_rewrites_the_signal_the_gateway_watches(tmp_path: Path) -> None:
    (hook,) = containers_config.follower_config(0, KEY)["hooks"]
    argv = [part.replace("/data/", f"{tmp_path}/") for part in hook["run"]]
    values = []
    for _ in range(2):
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        values.append((tmp_path / "signals" / "gateway-reload").read_text())
    assert values[0] != values[1], "each apply gives the gateway a new value to notice"
    assert not (tmp_path / "signals" / "gateway-reload.next").exists()


def test_a_platform_variable_named_like_an_nginx_word_is_refused(tmp_path: Path) -> None:
    # The leader replaces every whole-identifier use of a variable: `listen` would break nginx.conf.
    original = suite_leader(tmp_path / "leader", {"DOMAIN": "localhost", "listen": "x"})
    with pytest.raises(SystemExit, match="would also substitute"):
        containers_config.main(
            [
                *("--original", str(original), "--leader", str(original)),
                *("--follower", str(tmp_path / "follower"), "--follower-key", KEY),
            ]
        )


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
