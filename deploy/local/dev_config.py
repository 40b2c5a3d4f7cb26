"""Writes the development configs of the configuration leader and the local follower.

The leader's role templates come from deploy/local/config-templates/<role>/ (copied fresh on each run),
plus local/gateway/nginx.conf: gateway/nginx.conf.j2 rendered by gateway/render.py with the gateway
settings the leader controls left as the names of its platform variables, and the gateway's certificate
as Pryv's leader holds it, local/nginx/conf/secret/${DOMAIN}-bundle.crt and ${DOMAIN}-key.pem (from
.local/tls, made by gateway/dev_tls.sh): the follower brings them to .local/config-follower/data/nginx/
conf/secret/ (the key 0600), where the gateway's nginx config reads them. Keys come from .local/dev.env
(CONFIG_ADMIN_KEY, CONFIG_FOLLOWER_KEY); the follower writes its files under .local/config-follower/data.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml
from devenv import read_env  # beside this script
from instances import UNROUTED_PORTS, routes, service_counts, service_ports  # beside this script

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
LOCAL_SCRIPTS = ROOT / "deploy" / "local"
FOLLOWER_PORT = UNROUTED_PORTS["config-follower"]  # gateway/routes.toml
TEMPLATES = LOCAL_SCRIPTS / "config-templates"
# The gateway settings the leader holds: render.py's variable -> the platform variable in its place.
GATEWAY_PLACEHOLDERS = {
    "domain": "DOMAIN",
    "https_port": "GATEWAY_HTTPS_PORT",
    "body_limit": "GATEWAY_BODY_LIMIT",
    "rate": "GATEWAY_RATE",
    "burst": "GATEWAY_BURST",
}
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")  # config-leader's rule
# Where the role's certificate is on the leader, and where this machine's follower writes it.
SECRET_FOLDER = Path("nginx") / "conf" / "secret"
FOLLOWER_DATA = LOCAL / "config-follower" / "data"


def variable_names(platform_vars: Mapping[str, object]) -> set[str]:
    """The names in a platform.yml `vars:` mapping, flat or grouped."""
    names = {k for k, v in platform_vars.items() if not isinstance(v, dict) or "settings" not in v}
    for group in platform_vars.values():
        if isinstance(group, dict) and isinstance(group.get("settings"), dict):
            names |= set(group["settings"])
    return names


def platform_domain(platform_vars: Mapping[str, object]) -> str:
    """DOMAIN's value, flat or in a group (localhost when unset)."""
    if "DOMAIN" in platform_vars and not isinstance(platform_vars["DOMAIN"], dict):
        return str(platform_vars["DOMAIN"])
    for group in platform_vars.values():
        settings = group.get("settings") if isinstance(group, dict) else None
        if isinstance(settings, dict) and "DOMAIN" in settings:
            setting = settings["DOMAIN"]
            return str(setting.get("value") if isinstance(setting, dict) else setting)
    return "localhost"


def merge_platform_vars(template: Path, platform: Path) -> None:
    """Copies platform.yml once; later, adds only the variables the copy does not have yet."""
    if not platform.exists():
        platform.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, platform)
        return
    current = yaml.safe_load(platform.read_text()) or {}
    wanted = (yaml.safe_load(template.read_text()) or {}).get("vars", {})
    known = current.setdefault("vars", {})
    names = variable_names(known)
    missing = {k: v for k, v in wanted.items() if k not in names}
    if missing:
        known.update(missing)
        platform.write_text(yaml.safe_dump(current, sort_keys=False))


def kept_internals(leader_config: Path) -> dict[str, object]:
    """The leader's internals as it persisted them (its SECRETs generated once), or the first ones."""
    if leader_config.exists():
        internals = json.loads(leader_config.read_text()).get("internals")
        if internals:
            return dict(internals)
    return {"MERIDIAN_INTERNAL_SECRET": "SECRET"}


def render_gateway_template(target: Path, leader_names: set[str]) -> None:
    """Renders the leader's gateway/nginx.conf, the gateway's settings left as variable names."""
    command = [sys.executable, str(ROOT / "gateway" / "render.py"), "--out", str(target)]
    command += [
        "--tls-dir",
        str(FOLLOWER_DATA / SECRET_FOLDER),
        "--prefix-dir",
        str(LOCAL / "gateway"),
    ]
    command += ["--dashboard-root", str(LOCAL / "console")]  # gateway/console/build.sh
    for key, name in GATEWAY_PLACEHOLDERS.items():
        command += ["--placeholder", f"{key}={name}"]
    # Every instance `make up` runs (<SERVICE>_INSTANCES) is a server of its service's upstream block.
    for service, count in service_counts(os.environ).items():
        command += ["--instances", f"{service}={count}"]
    rendered = subprocess.run(command, capture_output=True, text=True)
    if rendered.returncode != 0:
        sys.exit(f"rendering the gateway's template failed: {rendered.stderr.strip()}")
    # The leader replaces every whole-identifier use of a name: only the placeholders may be there.
    stray = set(IDENTIFIER.findall(target.read_text())) & leader_names
    stray -= set(GATEWAY_PLACEHOLDERS.values())
    if stray:
        sys.exit(f"{target}: the leader would also substitute {sorted(stray)} in the nginx config")


def copy_certificate(secret_folder: Path, domain: str) -> None:
    """The gateway's ${DOMAIN}-bundle.crt and -key.pem from .local/tls (made for DOMAIN if missing)."""
    made = subprocess.run(
        ["bash", str(ROOT / "gateway" / "dev_tls.sh"), str(LOCAL / "tls"), domain],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        sys.exit(f"the gateway's certificate for {domain}: {made.stderr.strip()}")
    secret_folder.mkdir(parents=True, exist_ok=True)
    os.chmod(secret_folder, 0o700)
    for name in (f"{domain}-bundle.crt", f"{domain}-key.pem"):
        shutil.copy2(LOCAL / "tls" / name, secret_folder / name)  # the key stays 0600
    os.chmod(secret_folder / f"{domain}-key.pem", 0o600)


def write_leader_templates(data: Path, leader_names: set[str], domain: str) -> None:
    """Builds the leader's data folder beside the old one, then swaps it in (never half-copied)."""
    fresh, old = data.with_name(data.name + ".next"), data.with_name(data.name + ".old")
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(TEMPLATES, fresh)
    render_gateway_template(fresh / "local" / "gateway" / "nginx.conf", leader_names)
    copy_certificate(fresh / "local" / SECRET_FOLDER, domain)
    if data.exists():
        data.rename(old)
    fresh.rename(data)
    if old.exists():
        shutil.rmtree(old)


def write_json(path: Path, data: object) -> None:
    """Writes JSON atomically, readable by the owner only (it holds keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def leader_urls(environ: Mapping[str, str]) -> str:
    """The follower's leader URL: every config-leader instance of the counts, space-separated."""
    return " ".join(
        f"http://127.0.0.1:{port}" for _, port in service_ports("config-leader", environ)
    )


def main() -> None:
    """Writes config-leader.json, platform.yml (once) and config-follower.json."""
    env = read_env(LOCAL / "dev.env")
    leader_dir = LOCAL / "config-leader"
    data = leader_dir / "data"
    platform = leader_dir / "platform.yml"
    merge_platform_vars(TEMPLATES.parent / "platform.yml", platform)
    leader_config = Path(env["CONFIG_LEADER_CONFIG"])
    internals = kept_internals(leader_config)
    platform_vars = (yaml.safe_load(platform.read_text()) or {}).get("vars", {})
    write_leader_templates(
        data, variable_names(platform_vars) | set(internals), platform_domain(platform_vars)
    )
    write_json(
        leader_config,
        {
            "http": {"ip": "127.0.0.1", "port": routes()["config-leader"].port},
            "dataFolder": str(data),
            "platformConfig": str(platform),
            "internals": internals,
            "adminKey": env["CONFIG_ADMIN_KEY"],
            "followers": {
                env["CONFIG_FOLLOWER_KEY"]: {
                    "url": f"http://127.0.0.1:{FOLLOWER_PORT}",
                    "role": "local",
                }
            },
        },
    )
    write_json(
        Path(env["CONFIG_FOLLOWER_CONFIG"]),
        {
            "http": {"ip": "127.0.0.1", "port": FOLLOWER_PORT},
            # every instance `make up` runs (CONFIG_LEADER_INSTANCES), tried in turn
            "leader": {"url": leader_urls(os.environ), "auth": env["CONFIG_FOLLOWER_KEY"]},
            "paths": {"dataFolder": str(FOLLOWER_DATA)},
            "hooks": [
                {
                    "match": ["gateway/**", "nginx/**"],
                    "run": ["bash", str(LOCAL_SCRIPTS / "gateway.sh"), "reload"],
                },
                {
                    "match": "services/*.env",
                    "run": ["bash", str(LOCAL_SCRIPTS / "suite.sh"), "restart-changed"],
                },
            ],
        },
    )


if __name__ == "__main__":
    main()
