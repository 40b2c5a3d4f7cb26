"""The original metrics_server frontend (maduhu/interop-metrics-ui, React 15 + D3 4, built by
react-scripts 0.9.5), obtained and built once into .local/metrics-ui/ — never into tracked files.

Its sources come from, in order: .local/metrics-ui/src/frontend (left by an earlier run, or put
there by hand), METRICS_UI_SOURCE (a clone of the original, its .git, or a folder holding its
frontend/), or a clone from GitHub at the pinned commit. No package registry carries them, so
where none of these is at hand the browser test is skipped, saying so; test_original_requests.py
replays the frontend's requests without its sources.

The build is the original's own package.json and `react-scripts build` on today's Node, with one
thing of its time that today's resolution lacks: d3 4.10.0, the last 4.x whose package.json still
names its browser bundle (4.11+ leads webpack 1 to the Node build, which fails on `child_process`);
the original's ^4.7.1 range allows it, and 4.10 was current when its frontend last changed (July
2017). No `--openssl-legacy-provider` is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".local" / "metrics-ui"
SOURCE = WORK / "src"  # holds frontend/
BUILD = WORK / "build"
ORIGINAL_REPO = "https://github.com/maduhu/interop-metrics-ui"
ORIGINAL_COMMIT = "89195d870ec9186c7ea15b4bc6fcd5067d4ac999"  # its last commit, 2017-10-13
PINNED = ["d3@4.10.0"]
RECIPE = f"{ORIGINAL_COMMIT} {' '.join(PINNED)} react-scripts build\n"


class Unavailable(Exception):
    """The original's sources cannot be had here; the message says why."""


def _git(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    quiet = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # never wait for a password
    return subprocess.run(["git", *args], capture_output=True, timeout=timeout, env=quiet)


def _extract_frontend(git_dir: Path) -> None:
    """`git archive` of the pinned commit's frontend/ into SOURCE."""
    archive = _git("--git-dir", str(git_dir), "archive", ORIGINAL_COMMIT, "frontend")
    if archive.returncode != 0:
        raise Unavailable(f"{git_dir}: {archive.stderr.decode().strip()}")
    SOURCE.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(SOURCE, filter="data")


_NOT_SOURCE = shutil.ignore_patterns("node_modules", "build")


def _from_given(given: Path) -> None:
    """METRICS_UI_SOURCE: a clone, its .git, or a folder holding frontend/package.json."""
    if (given / "frontend" / "package.json").is_file():
        shutil.copytree(given / "frontend", SOURCE / "frontend", ignore=_NOT_SOURCE)
        return
    git_dir = given if (given / "HEAD").is_file() else given / ".git"
    _extract_frontend(git_dir)


def _from_github() -> None:
    clone = WORK / "clone.git"
    if not clone.is_dir():
        try:
            cloned = _git("clone", "--bare", "--quiet", ORIGINAL_REPO, str(clone), timeout=180)
        except subprocess.TimeoutExpired:
            cloned = None
        if cloned is None or cloned.returncode != 0:
            shutil.rmtree(clone, ignore_errors=True)
            why = "timed out" if cloned is None else cloned.stderr.decode().strip()[-300:]
            raise Unavailable(
                f"the original frontend's sources are not here and {ORIGINAL_REPO} cannot be "
                f"cloned ({why}); no package registry carries them. Set METRICS_UI_SOURCE to a "
                "clone of it, or put its frontend/ under .local/metrics-ui/src/"
            )
    _extract_frontend(clone)


def obtain_source() -> Path:
    """The original's frontend/ folder under SOURCE, fetched if missing (Unavailable if it can't be)."""
    frontend = SOURCE / "frontend"
    if not (frontend / "package.json").is_file():
        given = os.environ.get("METRICS_UI_SOURCE")
        if given:
            _from_given(Path(given))
        else:
            _from_github()
    return frontend


def _run(command: list[str], cwd: Path, log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        done = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:2]} failed ({done.returncode}): see {log}")


def build_original() -> Path:
    """The built frontend (BUILD/index.html and static/), built once per recipe."""
    stamp = BUILD / ".recipe"
    if stamp.is_file() and stamp.read_text() == RECIPE and (BUILD / "index.html").is_file():
        return BUILD
    frontend = obtain_source()
    log = WORK / "build.log"
    log.write_text("")
    npm = ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", *PINNED]
    _run(npm, frontend, log)
    react_scripts = str(frontend / "node_modules" / ".bin" / "react-scripts")
    _run([react_scripts, "build"], frontend, log)
    shutil.rmtree(BUILD, ignore_errors=True)
    shutil.copytree(frontend / "build", BUILD)
    stamp.write_text(RECIPE)
    return BUILD
