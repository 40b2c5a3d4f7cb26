"""The configuration of the containers of containers.sh: the leader's folder and the follower's.

The containers get their files as the suite's processes do, from the configuration leader through
a follower, here both in containers. The leader gets a role of its own, `containers`, whose files
name the paths inside the containers:

  data/containers/gateway/nginx.conf       gateway/render.py's config with the leader's gateway
                                           settings (DOMAIN, GATEWAY_BODY_LIMIT, GATEWAY_RATE,
                                           GATEWAY_BURST) left as their names; TLS files, ports and
                                           upstreams as the gateway container sees them
  data/containers/nginx/conf/secret/*      the gateway's certificate (the `local` role's)
  data/containers/services/*.env           each service's settings (the `local` role's)

and one follower, the containerised one, with that role. The follower's folder (mounted at /data
in its container and read-only in the gateway's) holds config-follower.json, its state, the files
it applies (files/) and signals/gateway-reload, which its hook rewrites after it applied gateway/**
or nginx/**: the gateway container (gateway_follow.sh) watches that file, tests the new config with
`nginx -t` and reloads nginx.

    containers_config.py --original ORIGINAL --leader FOLDER --follower FOLDER --offset N \
        --follower-key KEY [--upstream SERVICE=HOST:PORT[,...]]...

FOLDER may be ORIGINAL (the suite's own leader folder, `make containers-up`); else ORIGINAL is copied
there first and every path of its config-leader.json naming ORIGINAL names the copy (beside the
running suite, so nothing the containers do reaches the suite's leader or follower).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gateway"))
from render import local_ports  # noqa: E402  (gateway/ is not a package)

ROLE = "containers"
SOURCE_ROLE = "local"  # the role deploy/local/dev_config.py writes
# Paths inside the containers.
FOLLOWER_MOUNT = "/data"  # the follower's folder in its own container
GATEWAY_MOUNT = "/var/lib/meridian-follower"  # the same folder, read-only, in the gateway's
SIGNAL = "signals/gateway-reload"
# The gateway settings the leader holds: render.py's variable -> the platform variable in its place
# (deploy/local/dev_config.py's, but the ports: the containers' own, moved by the offset).
PLACEHOLDERS = {
    "domain": "DOMAIN",
    "body_limit": "GATEWAY_BODY_LIMIT",
    "rate": "GATEWAY_RATE",
    "burst": "GATEWAY_BURST",
}
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")  # config-leader's rule
LEADER_PORT, FOLLOWER_PORT = local_ports()["config-leader"], local_ports()["config-follower"]
HTTPS_PORT, HTTP_PORT = 8443, 8080


def repoint(value: Any, original: str, copy: str) -> Any:
    """The value with every string under ORIGINAL moved under COPY."""
    if isinstance(value, str) and (value == original or value.startswith(original + "/")):
        return copy + value[len(original) :]
    if isinstance(value, dict):
        return {k: repoint(v, original, copy) for k, v in value.items()}
    if isinstance(value, list):
        return [repoint(v, original, copy) for v in value]
    return value


def platform_names(platform_file: Path) -> set[str]:
    """The variable names of a platform.yml (flat or grouped), which the leader substitutes."""
    if not platform_file.exists():
        return set()
    variables = (yaml.safe_load(platform_file.read_text()) or {}).get("vars", {}) or {}
    names = {k for k, v in variables.items() if not (isinstance(v, dict) and "settings" in v)}
    for group in variables.values():
        if isinstance(group, dict) and isinstance(group.get("settings"), dict):
            names |= set(group["settings"])
    return names


def render_gateway(target: Path, offset: int, upstreams: list[str], leader_names: set[str]) -> None:
    """The role's gateway/nginx.conf: the gateway container's paths, the leader's settings as names."""
    command = [sys.executable, str(ROOT / "gateway" / "render.py"), "--render-only"]
    command += ["--out", str(target), "--https-port", str(HTTPS_PORT + offset)]
    command += ["--http-port", str(HTTP_PORT + offset)]
    command += ["--tls-dir", f"{GATEWAY_MOUNT}/files/nginx/conf/secret"]
    command += ["--prefix-dir", "/var/cache/meridian-gateway", "--user", "nginx"]
    command += ["--dashboard-root", "/usr/share/meridian/dashboard"]
    command += ["--mime-types", "/etc/nginx/mime.types"]
    for key, name in PLACEHOLDERS.items():
        command += ["--placeholder", f"{key}={name}"]
    for upstream in upstreams:
        command += ["--upstream", upstream]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"rendering the containers' gateway template failed: {done.stderr.strip()}")
    stray = set(IDENTIFIER.findall(target.read_text())) & leader_names
    stray -= set(PLACEHOLDERS.values())
    if stray:
        sys.exit(f"{target}: the leader would also substitute {sorted(stray)} in the nginx config")


def write_role(data: Path, offset: int, upstreams: list[str], leader_names: set[str]) -> None:
    """data/containers/ built beside the old one from the `local` role, then swapped in."""
    source = data / SOURCE_ROLE
    if not (source / "services").is_dir():
        sys.exit(f"no {source}/services: run `make up` once first")
    fresh, old = data / f".{ROLE}.next", data / f".{ROLE}.old"
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(source / "services", fresh / "services")
    if (source / "nginx").is_dir():
        shutil.copytree(source / "nginx", fresh / "nginx")
    render_gateway(fresh / "gateway" / "nginx.conf", offset, upstreams, leader_names)
    role = data / ROLE
    if role.exists():
        role.rename(old)
    fresh.rename(role)
    if old.exists():
        shutil.rmtree(old)


def leader_urls(offset: int, upstreams: list[str]) -> str:
    """Every leader container (config-leader's --upstream servers), space-separated: the follower
    tries them in turn; the leader's port moved by the offset when no --upstream names it."""
    for upstream in upstreams:
        service, _, servers = upstream.partition("=")
        if service == "config-leader" and servers:
            return " ".join(f"http://{server}" for server in servers.split(","))
    return f"http://127.0.0.1:{LEADER_PORT + offset}"


def follower_config(offset: int, key: str, upstreams: list[str] | None = None) -> dict[str, Any]:
    """config-follower.json of the containerised follower (paths inside its container)."""
    signal = f"{FOLLOWER_MOUNT}/{SIGNAL}"
    return {
        "http": {"ip": "127.0.0.1", "port": FOLLOWER_PORT + offset},
        "leader": {"url": leader_urls(offset, upstreams or []), "auth": key},
        "paths": {
            "dataFolder": f"{FOLLOWER_MOUNT}/files",
            "stateFile": f"{FOLLOWER_MOUNT}/config-follower.state.json",
        },
        "hooks": [
            {
                # The gateway container watches this file (gateway_follow.sh): a new value, written
                # once every file of the apply is in place, makes it test and reload nginx.
                "match": ["gateway/**", "nginx/**"],
                "run": [
                    "sh",
                    "-c",
                    f"mkdir -p {FOLLOWER_MOUNT}/signals && date +%s%N > {signal}.next"
                    f" && mv {signal}.next {signal}",
                ],
            }
        ],
    }


def write_json(path: Path, data: object) -> None:
    """Writes JSON atomically, readable by its owner only (it holds keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def prepare(
    original: Path, leader: Path, follower: Path, offset: int, key: str, upstreams: list[str]
) -> None:
    """The leader's folder (copied when it is not ORIGINAL) and the follower's config."""
    if leader.resolve() != original.resolve():
        if leader.exists():
            shutil.rmtree(leader)
        shutil.copytree(original, leader, symlinks=True)
    config_file = leader / "config-leader.json"
    config = repoint(json.loads(config_file.read_text()), str(original), str(leader))
    config["followers"] = {key: {"url": f"http://127.0.0.1:{FOLLOWER_PORT + offset}", "role": ROLE}}
    names = platform_names(Path(config.get("platformConfig", leader / "platform.yml")))
    names |= set(config.get("internals") or {})
    write_role(Path(config["dataFolder"]), offset, upstreams, names)
    write_json(config_file, config)
    write_json(follower / "config-follower.json", follower_config(offset, key, upstreams))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--original", type=Path, required=True)
    p.add_argument("--leader", type=Path, required=True)
    p.add_argument("--follower", type=Path, required=True)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--follower-key", required=True)
    p.add_argument("--upstream", action="append", default=[])
    args = p.parse_args(argv)
    prepare(
        args.original, args.leader, args.follower, args.offset, args.follower_key, args.upstream
    )


if __name__ == "__main__":
    main()
