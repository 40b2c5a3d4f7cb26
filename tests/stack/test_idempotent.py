"""A second `stack.sh up` on a running stack changes nothing: same supervisor config, and every
engine that was running keeps its process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.stack, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = ROOT / ".local" / "supervisor"
CONFIGS = [SUPERVISOR / "supervisord.conf", SUPERVISOR / "conf.d" / "stack.conf"]


def stack_processes() -> dict[str, tuple[str, str]]:
    """Each stack program's state and pid, as supervisorctl reports them."""
    out = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "supervisorctl"),
            "-c",
            str(SUPERVISOR / "supervisord.conf"),
            "status",
            "stack:*",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    processes = {}
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0].startswith("stack:"):
            pid = fields[3].rstrip(",") if len(fields) > 3 and fields[2] == "pid" else ""
            processes[fields[0].removeprefix("stack:")] = (fields[1], pid)
    return processes


def test_second_up_changes_nothing() -> None:
    configs = {path: path.read_bytes() for path in CONFIGS}
    before = stack_processes()
    assert before, "no stack programs under supervisor: is the stack up?"
    env = {**os.environ, "MERIDIAN_STACK_WAIT": "120"}
    env.pop("MERIDIAN_ENGINES", None)
    up = subprocess.run(
        ["bash", str(ROOT / "deploy" / "local" / "stack.sh"), "up"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert up.returncode == 0, f"stack.sh up failed:\n{up.stdout}\n{up.stderr}"
    for path, content in configs.items():
        assert path.read_bytes() == content, f"{path} changed on a second up"
    after = stack_processes()
    for name, (state, pid) in before.items():
        assert after[name][0] == "RUNNING", f"{name} is {after[name][0]} after a second up"
        if state == "RUNNING":
            assert after[name][1] == pid, (
                f"{name} was restarted by a second up ({pid} -> {after[name][1]})"
            )
