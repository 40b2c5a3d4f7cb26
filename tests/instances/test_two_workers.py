"""Two kmdb-work processes share an import's files and leave the same rows as one (issue 15 §2).

Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`): the console scripts run as
separate processes against the suite's MariaDB and Redis, in a database and queue of this test's
own (dropped after); the suite's own workers never see them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from kmdb.db import connection, execute, fetchall
from kmdb.exports.generate import ExportSpec, write_export
from kmdb.settings import Settings

from tests.instances.private_processes import REPO_ROOT, stop

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private kmdb-work processes: `make test-instances` (MERIDIAN_INSTANCE_TESTS=1)",
)

VENV_BIN = REPO_ROOT / ".venv" / "bin"
FILES = 8
EXPORT = ExportSpec(files=FILES, lines_per_file=1500, seed=5, users=150)
ROWS = {
    "events": "SELECT id, t, n, user_id FROM events ORDER BY id",
    "properties": "SELECT id, t, `key`, value, user_id, event_id FROM properties ORDER BY id",
    "aliases": "SELECT id, name1, name2, t FROM aliases ORDER BY id",
    "users": "SELECT id, name FROM users ORDER BY id",
    "identities": "SELECT name, user_id FROM identities ORDER BY name",
}


def with_database(name: str) -> str:
    """The suite's DATABASE_URL pointed at another database."""
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


@pytest.fixture
async def private_kmdb(tmp_path: Path) -> AsyncIterator[Settings]:
    """A database and queue of this test's own, with the export's files in tmp_path/export."""
    name = f"r2inst_{uuid.uuid4().hex[:12]}"
    admin = Settings(database_url=with_database(""), redis_url=os.environ["KMDB_REDIS_URL"])
    async with connection(admin, db=None) as conn:
        await execute(conn, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    write_export(EXPORT, tmp_path / "export")
    try:
        yield Settings(
            database_url=with_database(name), redis_url=admin.redis_url, queue=name, batch_size=50
        )
    finally:
        async with connection(admin, db=None) as conn:
            await execute(conn, f"DROP DATABASE IF EXISTS `{name}`")


def run(settings: Settings, *command: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """A kmdb console script on the private database and queue."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "KMDB_QUEUE": settings.queue,
        "KMDB_BATCH_SIZE": str(settings.batch_size),
    }
    return subprocess.Popen(
        [str(VENV_BIN / command[0]), *command[1:]],
        env=env,
        stdout=log.open("wb") if log else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def finished(process: subprocess.Popen[bytes], what: str, timeout: float = 300) -> None:
    """Waits for a one-off script; it must exit 0."""
    assert process.wait(timeout=timeout) == 0, f"{what} exited with {process.returncode}"


async def snapshot(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """Every imported row."""
    async with connection(settings) as conn:
        return {table: list(await fetchall(conn, sql)) for table, sql in ROWS.items()}


async def files_by_status(settings: Settings) -> dict[str, int]:
    """dumpfiles rows per status."""
    async with connection(settings) as conn:
        rows = await fetchall(conn, "SELECT status, COUNT(*) FROM dumpfiles GROUP BY status")
    return {str(status): int(count) for status, count in rows}


async def import_with(settings: Settings, tmp_path: Path, workers: int) -> list[str]:
    """Empties the private tables, enqueues the export, runs `workers` kmdb-work --burst processes
    at once until the queue is empty; returns their logs."""
    finished(run(settings, "kmdb-flush"), "kmdb-flush")
    finished(run(settings, "kmdb-import", "--source", f"file://{tmp_path / 'export'}"), "import")
    logs = [tmp_path / f"work-{workers}-{k}.log" for k in range(workers)]
    processes = [run(settings, "kmdb-work", "--burst", log=log) for log in logs]
    try:
        for process in processes:
            finished(process, "kmdb-work --burst")
    finally:
        for process in processes:
            stop(process)
    assert await files_by_status(settings) == {"done": FILES}
    return [log.read_text() for log in logs]


def revisions_done(log: str) -> list[int]:
    """The revisions a worker's log says it finished (arq's `← <job id> ●` lines; kmdb-work
    logs JSON lines, so each line's message is read)."""
    messages = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
    return [int(r) for m in messages for r in re.findall(r"← \S+:rev(\d+):\S+:import_file ●", m)]


async def test_two_kmdb_work_processes_give_the_rows_of_one(
    private_kmdb: Settings, tmp_path: Path
) -> None:
    await import_with(private_kmdb, tmp_path, workers=1)
    one = await snapshot(private_kmdb)
    assert len(one["events"]) > 1000 and len(one["users"]) > 100
    logs = await import_with(private_kmdb, tmp_path, workers=2)
    assert await snapshot(private_kmdb) == one
    first, second = (revisions_done(log) for log in logs)
    assert first and second, f"one worker did every file: {first} / {second}"
    assert sorted(first + second) == list(
        range(EXPORT.first_revision, EXPORT.first_revision + FILES)
    )  # each file once
