"""Writes the development configs of the configuration leader and the local follower.

The leader's role templates come from deploy/local/config-templates/<role>/ (copied fresh on each run);
keys come from .local/dev.env (CONFIG_ADMIN_KEY, CONFIG_FOLLOWER_KEY); the follower writes its files
under .local/config-follower/data.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml
from devenv import read_env  # beside this script

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"
LOCAL_SCRIPTS = ROOT / "deploy" / "local"
TEMPLATES = LOCAL_SCRIPTS / "config-templates"


def merge_platform_vars(template: Path, platform: Path) -> None:
    """Copies platform.yml once; later, adds only the variables the copy does not have yet."""
    if not platform.exists():
        shutil.copy(template, platform)
        return
    current = yaml.safe_load(platform.read_text()) or {}
    wanted = (yaml.safe_load(template.read_text()) or {}).get("vars", {})
    known = current.setdefault("vars", {})
    flat = {k for k, v in known.items() if not isinstance(v, dict) or "settings" not in v}
    flat |= {
        k for group in known.values() if isinstance(group, dict) for k in group.get("settings", {})
    }
    missing = {k: v for k, v in wanted.items() if k not in flat}
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


def write_json(path: Path, data: object) -> None:
    """Writes JSON atomically, readable by the owner only (it holds keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def main() -> None:
    """Writes config-leader.json, platform.yml (once) and config-follower.json."""
    env = read_env(LOCAL / "dev.env")
    leader_dir = LOCAL / "config-leader"
    data = leader_dir / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(TEMPLATES, data)
    platform = leader_dir / "platform.yml"
    merge_platform_vars(TEMPLATES.parent / "platform.yml", platform)
    leader_config = Path(env["CONFIG_LEADER_CONFIG"])
    write_json(
        leader_config,
        {
            "http": {"ip": "127.0.0.1", "port": 8105},
            "dataFolder": str(data),
            "platformConfig": str(platform),
            "internals": kept_internals(leader_config),
            "adminKey": env["CONFIG_ADMIN_KEY"],
            "followers": {
                env["CONFIG_FOLLOWER_KEY"]: {"url": "http://127.0.0.1:8106", "role": "local"}
            },
        },
    )
    write_json(
        Path(env["CONFIG_FOLLOWER_CONFIG"]),
        {
            "http": {"ip": "127.0.0.1", "port": 8106},
            "leader": {"url": "http://127.0.0.1:8105", "auth": env["CONFIG_FOLLOWER_KEY"]},
            "paths": {"dataFolder": str(LOCAL / "config-follower" / "data")},
            "hooks": [
                {
                    "match": "gateway/**",
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
