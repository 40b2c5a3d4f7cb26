"""The console's committed package-lock.json lets `npm ci` pass on a fresh machine, and building
never rewrites it (a fresh `make up` once left it +345 lines changed by a fallback `npm install`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "gateway" / "console"  # the operator console (the dashboard moved in)
LOCK = DASHBOARD / "package-lock.json"
BUILD = DASHBOARD / "build.sh"


def digest(*paths: Path) -> str:
    """One hash over the files' bytes."""
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()


def test_the_lock_holds_every_platforms_optional_packages() -> None:
    """npm ci refuses a lock that lacks a platform-only optional package of one of its packages."""
    packages = json.loads(LOCK.read_text())["packages"]
    missing = []
    for where, entry in packages.items():
        for name in entry.get("optionalDependencies", {}):
            if f"node_modules/{name}" not in packages:
                missing.append(f"{name} (optional dependency of {where or 'the root'})")
    assert not missing, f"package-lock.json lacks: {missing}"


def test_npm_ci_accepts_the_committed_lock(tmp_path) -> None:
    """What a fresh machine does: `npm ci` on the committed files in an empty folder."""
    npm = shutil.which("npm")
    assert npm, "npm is missing: deploy/local/packages.tsv installs it with `make up`"
    for name in ("package.json", "package-lock.json"):
        shutil.copy(DASHBOARD / name, tmp_path / name)
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=500,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "node_modules" / "vite" / "package.json").is_file()
    assert (tmp_path / "package-lock.json").read_bytes() == LOCK.read_bytes(), "npm ci changed it"


def test_build_script_never_rewrites_the_lock() -> None:
    """build.sh has no lock-rewriting `npm install` fallback, and a forced `npm ci` leaves the
    committed package files as they are."""
    text = BUILD.read_text()
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert "npm install" not in code, "build.sh must not fall back to `npm install`"
    before = digest(DASHBOARD / "package.json", LOCK)
    (DASHBOARD / "node_modules" / ".meridian-lock").unlink(missing_ok=True)  # forces npm ci
    done = subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, timeout=500)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "npm ci" in done.stdout
    assert digest(DASHBOARD / "package.json", LOCK) == before
