"""The configuration leader's folder for a deployment on several machines (deploy/TOPOLOGY.md).

From a machines file (each machine's name, address and role), writes into OUT, the folder the leader
container mounts at /data (deploy/roles/leader.yml):

  config-leader.json        one follower per machine but the leader's, its key and role (keys made once, then kept);
                            the secrets as internals ("SECRET": the leader makes them once); adminKey
  platform.yml              the platform variables, copied once from deploy/roles/platform.yml
  templates/<role>/...      each role's files: deploy/roles/config-templates/<role>/, and for the
                            gateway role gateway/nginx.conf (gateway/render.py, upstreams the
                            machines of each role, the leader's gateway settings left as names) and
                            nginx/conf/secret/ (the certificate given with --tls, if any)
  machines/<name>.env       what that machine's compose needs: CONFIG_LEADER_URL, CONFIG_FOLLOWER_KEY

    python3 deploy/roles/leader_files.py MACHINES.json OUT [--tls DIR] [--mount /data]

Run again after changing the machines file: keys and secrets stay, templates are rewritten; copy
machines/<name>.env to each machine and notify (POST /config/admin/notify).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "gateway"))
from render import local_ports  # noqa: E402  (gateway/ is not a package)

PORTS = local_ports()  # each service's port, from gateway/routes.toml
ROLES_DIR = Path(__file__).resolve().parent
TEMPLATES = ROLES_DIR / "config-templates"
# The machine roles, and the routed services each one runs (routes.toml's names and ports).
ROLES: dict[str, dict[str, int]] = {
    role: {service: PORTS[service] for service in services}
    for role, services in {
        "leader": ["config-leader"],
        "gateway": [],
        "ingest": ["ingest"],
        "analytics": ["analytics"],
        "kmdb": ["kmdb-import"],
        "metrics": ["metrics-api"],
    }.items()
}
SECRETS = (
    "SECRET_ANALYTICS_APIKEY",
    "SECRET_INGEST_ADMIN",
    "SECRET_KMDB_TOKEN",
    "SECRET_METRICS_READ",
    "SECRET_METRICS_WRITE",
)
PLACEHOLDERS = {
    "domain": "DOMAIN",
    "body_limit": "GATEWAY_BODY_LIMIT",
    "rate": "GATEWAY_RATE",
    "burst": "GATEWAY_BURST",
}
GATEWAY_FOLLOWER_DIR = (
    "/var/lib/meridian-follower"  # the follower's folder in the gateway container
)
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")  # config-leader's rule
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class MachinesError(ValueError):
    """The machines file cannot describe a deployment."""


def load_machines(path: Path) -> list[dict[str, str]]:
    """The machines, checked: unique names, known roles, one leader, at least one of each role."""
    data = json.loads(path.read_text())
    machines = data.get("machines") if isinstance(data, dict) else None
    if not isinstance(machines, list) or not machines:
        raise MachinesError(f'{path}: expected {{"machines": [{{"name", "host", "role"}}, ...]}}')
    seen: set[str] = set()
    for machine in machines:
        if not isinstance(machine, dict) or not {"name", "host", "role"} <= set(machine):
            raise MachinesError(f"{path}: each machine needs a name, a host and a role: {machine}")
        if not NAME.match(str(machine["name"])) or machine["name"] in seen:
            raise MachinesError(
                f"{path}: machine name {machine['name']!r} is not unique and simple"
            )
        if machine["role"] not in ROLES:
            raise MachinesError(
                f"{path}: {machine['name']}: role {machine['role']!r} is none of {sorted(ROLES)}"
            )
        seen.add(machine["name"])
    roles = [m["role"] for m in machines]
    missing = sorted(set(ROLES) - set(roles))
    if missing:
        raise MachinesError(f"{path}: no machine has the role(s) {missing}")
    if roles.count("leader") != 1:
        raise MachinesError(
            f"{path}: exactly one machine is the leader, not {roles.count('leader')}"
        )
    return [{k: str(machine[k]) for k in ("name", "host", "role")} for machine in machines]


def upstream_flags(machines: list[dict[str, str]]) -> list[str]:
    """render.py's --upstream SERVICE=HOST:PORT,... for every routed service, its role's machines."""
    flags = []
    for role, services in ROLES.items():
        hosts = [m["host"] for m in machines if m["role"] == role]
        for service, port in services.items():
            flags += ["--upstream", f"{service}=" + ",".join(f"{h}:{port}" for h in hosts)]
    return flags


def render_gateway(target: Path, machines: list[dict[str, str]], names: set[str]) -> None:
    """The gateway role's nginx.conf, the leader's settings left as names to substitute."""
    command = [sys.executable, str(ROOT / "gateway" / "render.py"), "--render-only"]
    command += ["--out", str(target), "--https-port", "8443", "--http-port", "8080"]
    command += ["--tls-dir", f"{GATEWAY_FOLLOWER_DIR}/files/nginx/conf/secret"]
    command += ["--prefix-dir", "/var/cache/meridian-gateway", "--user", "nginx"]
    command += ["--dashboard-root", "/usr/share/meridian/dashboard"]
    command += ["--mime-types", "/etc/nginx/mime.types", *upstream_flags(machines)]
    for key, name in PLACEHOLDERS.items():
        command += ["--placeholder", f"{key}={name}"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"rendering the gateway role's nginx.conf failed: {done.stderr.strip()}")
    stray = (set(IDENTIFIER.findall(target.read_text())) & names) - set(PLACEHOLDERS.values())
    if stray:
        sys.exit(f"{target}: the leader would also substitute {sorted(stray)} in the nginx config")


def platform_names(platform: Path) -> set[str]:
    """The names of a flat platform.yml's variables."""
    return set((yaml.safe_load(platform.read_text()) or {}).get("vars") or {})


def write_json(path: Path, data: object) -> None:
    """JSON written atomically, readable by its owner only (it holds keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def write_templates(
    out: Path, machines: list[dict[str, str]], tls: Path | None, names: set[str]
) -> None:
    """templates/ made beside the old one, then swapped in (the leader never sees it half-made)."""
    fresh, old = out / "templates.next", out / "templates.old"
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(TEMPLATES, fresh)
    for role in ROLES:
        (fresh / role).mkdir(exist_ok=True)
    render_gateway(fresh / "gateway" / "gateway" / "nginx.conf", machines, names)
    if tls is not None:
        secret = fresh / "gateway" / "nginx" / "conf" / "secret"
        secret.mkdir(parents=True)
        for path in sorted(tls.glob("*-bundle.crt")) + sorted(tls.glob("*-key.pem")):
            shutil.copy2(path, secret / path.name)
            if path.name.endswith("-key.pem"):
                os.chmod(secret / path.name, 0o600)
    if (out / "templates").exists():
        (out / "templates").rename(old)
    fresh.rename(out / "templates")
    if old.exists():
        shutil.rmtree(old)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("machines", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--tls", type=Path, help="folder of <DOMAIN>-bundle.crt and <DOMAIN>-key.pem")
    p.add_argument("--mount", default="/data", help="where the leader container mounts OUT")
    args = p.parse_args(argv)
    try:
        machines = load_machines(args.machines)
    except (MachinesError, json.JSONDecodeError) as error:
        sys.exit(f"leader_files.py: {error}")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "platform.yml").exists():
        shutil.copy(ROLES_DIR / "platform.yml", out / "platform.yml")
    config_file = out / "config-leader.json"
    before: dict[str, Any] = json.loads(config_file.read_text()) if config_file.exists() else {}
    keys = {f["name"]: k for k, f in before.get("followers", {}).items() if "name" in f}
    internals = {name: "SECRET" for name in SECRETS} | dict(before.get("internals") or {})
    names = platform_names(out / "platform.yml") | set(internals)
    write_templates(out, machines, args.tls, names)
    leader = next(m for m in machines if m["role"] == "leader")
    followers = {}
    for machine in machines:
        if machine["role"] == "leader":
            continue  # it runs nothing the leader configures: no follower
        key = keys.get(machine["name"]) or secrets.token_urlsafe(24)
        followers[key] = {
            "url": f"http://{machine['host']}:{PORTS['config-follower']}",
            "role": machine["role"],
            "name": machine["name"],
        }
        env = f"CONFIG_LEADER_URL=http://{leader['host']}:{PORTS['config-leader']}\n"
        env += f"CONFIG_FOLLOWER_KEY={key}\n"
        env += f"MERIDIAN_ROLE={machine['role']}\n"
        (out / "machines").mkdir(exist_ok=True)
        (out / "machines" / f"{machine['name']}.env").write_text(env)
        os.chmod(out / "machines" / f"{machine['name']}.env", 0o600)
    mount = args.mount.rstrip("/")
    write_json(
        config_file,
        {
            "http": {"ip": "0.0.0.0", "port": PORTS["config-leader"]},
            "dataFolder": f"{mount}/templates",
            "platformConfig": f"{mount}/platform.yml",
            "historyFolder": f"{mount}/history",
            "operators": {"database": f"{mount}/operators.db"},
            "internals": internals,
            "adminKey": before.get("adminKey") or secrets.token_urlsafe(24),
            "followers": followers,
        },
    )
    print(
        f"leader folder written to {out}: copy machines/<name>.env to each machine", file=sys.stderr
    )


if __name__ == "__main__":
    main()
