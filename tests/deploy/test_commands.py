"""Every program the project's scripts run comes from deploy/local/packages.tsv, the one table of
command -> Debian package that deploy/local/lib.sh installs from, so a fresh machine gets it from
`make up` / `make test` and nothing is installed by hand."""

from __future__ import annotations

import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "deploy" / "local" / "packages.tsv"
SCAN = Path(__file__).with_name("command_scan.py")
GROUPS = {"base", "up", "test", "images", "own", "optional"}
# The base list stays short: only what the machine image brings and the scripts use.
MAX_BASE = 45
SHELL_FILES = [
    *sorted(ROOT.glob("deploy/**/*.sh")),
    *sorted(ROOT.glob("gateway/*.sh")),
    ROOT / "gateway" / "console" / "build.sh",
    ROOT / ".ci" / "run",
    ROOT / "Makefile",
]


def table_rows() -> list[list[str]]:
    """packages.tsv's rows: command, package, group[, probe]."""
    rows = []
    for line in TABLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append(line.split())
    return rows


@pytest.fixture(scope="module")
def table() -> dict[str, list[str]]:
    """command -> its row."""
    return {row[0]: row for row in table_rows()}


@pytest.fixture(scope="module")
def scan() -> dict[str, Any]:
    """tests/deploy/command_scan.py's findings (its parser comes with it: uv run --script)."""
    done = subprocess.run(
        ["uv", "run", "--quiet", "--script", str(SCAN), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_table_is_well_formed(table) -> None:
    rows = table_rows()
    assert rows, "packages.tsv has no rows"
    for row in rows:
        assert 3 <= len(row) <= 4, f"packages.tsv row {row}: expected command package group [probe]"
        assert row[2] in GROUPS, f"packages.tsv row {row}: group must be one of {sorted(GROUPS)}"
        if row[2] in {"base", "up", "test", "images"}:
            assert re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", row[1]), (
                f"{row}: not a Debian package name"
            )
    commands = [row[0] for row in rows]
    assert len(commands) == len(set(commands)), "a command is listed twice"
    base = [row for row in rows if row[2] == "base"]
    assert len(base) <= MAX_BASE, f"{len(base)} base commands: keep the base list short"


def test_every_program_a_script_runs_is_in_the_table(scan, table) -> None:
    missing: dict[str, list[str]] = defaultdict(list)
    for use in scan["uses"]:
        if use["command"] not in table:
            missing[use["command"]].append(f"{use['file']}:{use['line']}")
    assert not missing, (
        "programs the scripts run that deploy/local/packages.tsv does not cover (add each with its "
        f"Debian package and group): {dict(missing)}"
    )


def test_every_command_word_is_understood(scan) -> None:
    assert not scan["unknown"], (
        "command words the scan cannot follow to a program (name the program, or a variable "
        f"assigned once in the scripts): {scan['unknown']}"
    )


def test_the_scan_sees_what_the_suite_runs(scan) -> None:
    """The scan itself works: the programs we know the suite runs are found where they are."""
    found = {(use["command"], use["file"]) for use in scan["uses"]}
    for expected in [
        ("nginx", "deploy/local/gateway.sh"),  # "${NGINX[@]}" -t ...
        ("nginx", "deploy/local/suite.sh"),  # supervisord's program line
        (
            "java",
            "deploy/local/engines/cassandra.sh",
        ),  # "$(java17_home)/bin/java" under supervisord
        ("mariadb", "deploy/local/engines/mariadb.sh"),
        ("go", "deploy/local/engines/mongodb.sh"),  # inside $(...)
        ("openssl", "gateway/dev_tls.sh"),
        ("npm", "gateway/console/build.sh"),
        ("chromium", "tests/dashboard/test_dashboard_browser.py"),
        ("nginx", "tests/gateway/conftest.py"),  # shutil.which("nginx")
    ]:
        assert expected in found, f"the scan missed {expected}"


def test_every_row_is_used(scan, table) -> None:
    used = {use["command"] for use in scan["uses"]}
    unused = sorted(set(table) - used)
    assert not unused, f"packages.tsv rows no script runs (remove them): {unused}"


def test_installs_go_through_the_table() -> None:
    """Only lib.sh calls apt-get; the scripts say `need CMD` or `ensure_packages GROUP`."""
    offenders = []
    for path in SHELL_FILES:
        if path == ROOT / "deploy" / "local" / "lib.sh":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\bapt(-get)?\s+install\b|\bensure_apt\b|\bapt_install\b", code):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_needed_commands_are_in_the_table(table) -> None:
    for path in SHELL_FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = re.match(r"\s*need\s+([^;#|&]+)", line)
            if match:
                for command in match.group(1).split():
                    assert command in table, f"{path.relative_to(ROOT)}:{number}: need {command}"
                    assert table[command][2] in {"base", "up", "test", "images"}, (
                        command,
                        table[command],
                    )


def test_the_installer_installs_the_missing_package_of_a_group(tmp_path) -> None:
    """lib.sh's ensure_packages reads the table: a missing command's package goes to apt-get."""
    fake_table = tmp_path / "packages.tsv"
    fake_table.write_text(
        "# command package group probe\n"
        "bash bash base\n"
        "meridian-no-such-command meridian-fake-package up\n"
        "meridian-other-missing meridian-test-only test\n"
        f"meridian-present meridian-never-installed up {tmp_path}/pre*\n"
    )
    (tmp_path / "present").touch()
    script = f"""
        source {ROOT}/deploy/local/lib.sh
        PACKAGES_TABLE={fake_table}
        apt_install() {{ echo "INSTALL $*"; exit 0; }}
        ensure_packages base up
    """
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "INSTALL meridian-fake-package"


def test_a_new_program_in_a_script_is_found(tmp_path) -> None:
    """The check fails for the bug it guards against: a script that starts running a new program."""
    (tmp_path / "deploy" / "local").mkdir(parents=True)
    (tmp_path / "Makefile").write_text("x:\n\t@bash deploy/local/x.sh\n")
    (tmp_path / "deploy" / "local" / "x.sh").write_text(
        'helper() { echo hi; }\nprogram() { :; }\nNGINX=(/usr/sbin/nginx -t)\nhelper\n"${NGINX[@]}"\n'
        'out="$(jq -r .a file | sort)"\nprogram web "/usr/bin/redis-server --port 1"\n'
    )
    done = subprocess.run(
        ["uv", "run", "--quiet", "--script", str(SCAN), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    found = {use["command"] for use in json.loads(done.stdout)["uses"]}
    assert found == {"bash", "nginx", "jq", "sort", "redis-server"}
