"""The scripts' failures are one line and a non-zero exit; their progress bar shows on a terminal only."""

from __future__ import annotations

import fcntl
import os
import pty
import socket
import struct
import subprocess
import termios
from pathlib import Path

import pytest
from scripts_world import ANALYTICS, BIN, CA, apikey, run_script

SCRIPTS = ["analytics-seed-main", "analytics-id-email", "analytics-apps-usage"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _one_line(stderr: str, prog: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prog}: error: "), stderr
    return lines[0]


def _good_args(prog: str, tmp_path: Path, instance: str, key: str) -> list[str]:
    common = ["-i", instance, "-a", key, "-r", "7D"]
    if prog == "analytics-seed-main":
        return [*common, "-ai", "scripts-nobody", "-af", str(tmp_path / "a.csv")]
    if prog == "analytics-id-email":
        return [*common, "-ai", "scripts-nobody", "-f", str(tmp_path / "ids.csv")]
    return [*common, "-ai", "scripts-nobody", "-o", str(tmp_path / "usage.csv")]


@pytest.mark.parametrize("prog", SCRIPTS)
def test_a_bad_flag_is_one_line_and_exit_2(prog: str) -> None:
    done = run_script(prog, "--no-such-flag")
    assert done.returncode == 2
    assert "--no-such-flag" in _one_line(done.stderr, prog)


@pytest.mark.parametrize("prog", SCRIPTS)
def test_a_bad_time_range_or_file_is_named(prog: str, tmp_path: Path) -> None:
    args = _good_args(prog, tmp_path, ANALYTICS, apikey())
    done = run_script(prog, *[("12X" if a == "7D" else a) for a in args])
    assert done.returncode == 2
    assert "'12X'" in _one_line(done.stderr, prog)
    done = run_script(prog, *[a.replace(".csv", ".xls") for a in args])
    assert done.returncode == 2
    assert ".csv or .tsv" in _one_line(done.stderr, prog)


@pytest.mark.parametrize("prog", SCRIPTS)
def test_an_unreachable_instance_is_one_line_and_exit_1(prog: str, tmp_path: Path) -> None:
    instance = f"http://127.0.0.1:{_closed_port()}/analytics"
    done = run_script(prog, *_good_args(prog, tmp_path, instance, "k"))
    assert done.returncode == 1
    assert f"cannot reach the analytics at {instance}" in _one_line(done.stderr, prog)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("prog", SCRIPTS)
def test_a_wrong_key_is_one_line_and_exit_1(prog: str, tmp_path: Path) -> None:
    done = run_script(prog, *_good_args(prog, tmp_path, ANALYTICS, "not-the-key"))
    assert done.returncode == 1
    assert "refused the API key (401" in _one_line(done.stderr, prog)


def test_main_needs_a_time_range() -> None:
    done = run_script("analytics-seed-main", "-i", ANALYTICS, "-a", "k", "-ai", "x", "-af", "a.csv")
    assert done.returncode == 2
    assert "-r/TIME_RANGE" in _one_line(done.stderr, "analytics-seed-main")


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    args = _good_args("analytics-id-email", tmp_path, ANALYTICS, apikey())
    env = {**os.environ, "SSL_CERT_FILE": CA}
    piped = run_script("analytics-id-email", *args)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""

    leader, follower = pty.openpty()
    # A terminal of 24 x 80 (a fresh pty is 0 x 0, where tqdm hides every bar).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with subprocess.Popen(
        [str(BIN / "analytics-id-email"), *args], stderr=follower, stdout=subprocess.PIPE, env=env
    ) as proc:
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the script closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        assert proc.wait(timeout=120) == 0
    os.close(leader)
    assert b"messages of scripts-nobody" in drawn
    assert b"users:" in drawn
