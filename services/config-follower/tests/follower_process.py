"""A real follower process (the installed console script) in a temp folder of its own, and the
scripted leader it fetches from (scripted_leader.py); helpers wait by polling (never asserting on
time)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from meridian_kit.process_testing import wait_until

BIN = Path(sys.executable).parent
SCRIPTED_LEADER = Path(__file__).with_name("scripted_leader.py")
DEADLINE = 60.0


def stop(popen: subprocess.Popen[bytes]) -> None:
    if popen.poll() is None:
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()


@dataclass
class ScriptedLeader:
    url: str

    def pick(self, case: str) -> None:
        assert httpx.put(f"{self.url}/case/{case}").status_code == 200


@dataclass
class FollowerProcess:
    folder: Path
    key: str
    leader_url: str
    port: int
    popen: subprocess.Popen[bytes] | None = None
    hooks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def files(self) -> dict[str, str]:
        return {
            p.relative_to(self.data).as_posix(): p.read_text()
            for p in sorted(self.data.rglob("*"))
            if p.is_file()
        }

    def status(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/status", timeout=5).json())

    def notify(self, **kwargs: Any) -> httpx.Response:
        return httpx.post(f"{self.url}/notify", timeout=30, **kwargs)

    def start(self) -> None:
        config = {
            "leader": {"url": self.leader_url, "auth": self.key},
            "paths": {"dataFolder": "data"},
            "retry": {"initialSeconds": 0.2, "maxSeconds": 1.0},
            "hooks": self.hooks,
        }
        (self.folder / "config-follower.json").write_text(json.dumps(config))
        command = [str(BIN / "config-follower"), "--config", "config-follower.json"]
        with (self.folder / "process.log").open("ab") as log:
            self.popen = subprocess.Popen(
                [*command, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

        def healthy() -> bool:
            assert self.popen is not None
            if self.popen.poll() is not None:
                pytest.fail(f"follower exited: {self.log_text()[-3000:]}")
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200

        wait_until(healthy, "follower /healthz")

    def log_text(self) -> str:
        log = self.folder / "process.log"
        return log.read_text(errors="replace") if log.exists() else ""
