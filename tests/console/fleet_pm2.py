"""A real PM2 for the Fleet tests, the way tests/ingest runs one: pm2@6 and @pm2/io from npm in
.local/pm2 (the `pm2_bin` fixture of tests/ingest/conftest.py), its own PM2_HOME, KEYMETRICS_NODE
at the gateway's ingest, the dev CA trusted, and tests/ingest/pm2/dns-preload.js making the agent's
google.com lookup answer on this machine without internet. The app is tests/ingest/pm2/app.js
(a counter metric, a `meridian tick` log line every 500 ms, the actions `hello` and `boom`) and one
action more, `echo`, which answers with the parameters it was given."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from tests.console.conftest import CA, GATEWAY, ROOT

PM2_FILES = ROOT / "tests" / "ingest" / "pm2"
APP_NAME = "meridian-app"
ECHO_ACTION = """
io.action('echo', (params, reply) => reply({ echoed: params }))
"""


class Pm2:
    """The pm2 CLI with its own PM2_HOME, linked through this suite's gateway."""

    def __init__(self, binary: Path):
        self.binary = binary
        self.home = Path(tempfile.mkdtemp(prefix="pm2-fleet-"))
        # the app lives under .local/pm2 so that its require('@pm2/io') resolves there
        self.app_dir = ROOT / ".local" / "pm2" / f"fleet-app-{uuid.uuid4().hex[:6]}"
        self.env = {
            **os.environ,
            "PM2_HOME": str(self.home),
            "KEYMETRICS_NODE": f"{GATEWAY}/ingest",
            "NODE_EXTRA_CA_CERTS": CA,
            "NODE_OPTIONS": f"--require {PM2_FILES / 'dns-preload.js'}",
            "PM2_SILENT": "true",
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.binary), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        out = done.stdout + done.stderr
        assert done.returncode == 0, f"pm2 {' '.join(args)}: {out[-2000:]}"
        return out

    def start_app(self) -> None:
        self.app_dir.mkdir(parents=True)
        app = (PM2_FILES / "app.js").read_text() + ECHO_ACTION
        (self.app_dir / "app.js").write_text(app)
        self.run("start", str(self.app_dir / "app.js"), "--name", APP_NAME)

    def close(self) -> None:
        """Stops the PM2 daemon (and its agent), removes its home and the app."""
        with contextlib.suppress(Exception):
            self.run("kill")
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.app_dir, ignore_errors=True)
