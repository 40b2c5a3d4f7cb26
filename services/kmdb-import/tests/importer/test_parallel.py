"""Several workers, killed workers and MySQL outages: the same rows, exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kmdb.db import connection, fetchall
from kmdb.exports.generate import ExportSpec, write_export
from kmdb.importer.writer import NOT_RESOLVED
from kmdb.schema.service import flush


async def fresh(settings) -> None:
    async with connection(settings) as c:
        await flush(c)


async def progress(settings, revision: int) -> tuple[int, str]:
    async with connection(settings) as c:
        rows = await fetchall(
            c, "SELECT line, status FROM dumpfiles WHERE revision = %s", (revision,)
        )
    return (rows[0][0], rows[0][1]) if rows else (0, "")


@pytest.mark.parametrize("users, batch_size", [(120, 50), (30, 15)])
async def test_two_workers_give_the_same_tables_as_one(
    settings, conn, arq, tmp_path, kit: Any, users: int, batch_size: int
):
    write_export(ExportSpec(files=6, lines_per_file=700, seed=11, users=users), tmp_path)
    url = f"file://{tmp_path}"
    settings = kit.make_settings(batch_size=batch_size)
    await kit.enqueue(conn, arq, settings, url)
    assert await kit.work(settings) == 0
    one = await kit.snapshot(conn)
    assert len(one["aliases"]) > 30 and len(one["users"]) < len(one["identities"])

    await fresh(settings)
    await kit.enqueue(conn, arq, settings, url)
    results = await asyncio.gather(kit.work(settings), kit.work(settings))
    assert results == [0, 0]
    two = await kit.snapshot(conn)
    assert two == one


LOCK_RACES = ("1213", "1205", "Deadlock", "Lock wait timeout")


def shared_people(files: int, lines: int) -> dict[int, list[dict[str, Any]]]:
    """Every few lines of every file: events of the same five people, and a new device of
    each file aliased to one of them (a merge of a user the other files use too)."""
    t0 = 1_400_000_000
    out: dict[int, list[dict[str, Any]]] = {}
    for f in range(1, files + 1):
        rows: list[dict[str, Any]] = []
        for i in range(lines):
            who = f"person-{i % 5}@example.com"
            if i % 4 == 3:
                rows.append({"_p": f"device-{f}-{i}", "_t": t0 + i, "_p2": who})
            else:
                rows.append({"_p": who, "_t": t0 + i, "_n": "Visited Site", "file": str(f)})
        out[f] = rows
    return out


async def test_two_workers_on_the_same_identities_never_deadlock(
    settings, conn, arq, export, kit: Any, caplog: pytest.LogCaptureFixture
):
    # Every batch of both workers uses the same five people and merges new devices into them.
    # A lost lock race is logged as a warning and retried (kmdb.db.with_retries,
    # Writer._recover); with every identity lock taken up front in name order, no batch
    # waits for a lock while holding one another batch waits for.
    url = export(shared_people(files=8, lines=400))
    settings = kit.make_settings(batch_size=20)
    await kit.enqueue(conn, arq, settings, url, min_revision=1)
    assert await kit.work(settings) == 0
    one = await kit.snapshot(conn)
    assert len(one["users"]) == 5 and len(one["identities"]) == 5 + 8 * 100

    for _ in range(2):
        await fresh(settings)
        await kit.enqueue(conn, arq, settings, url, min_revision=1)
        caplog.clear()
        with caplog.at_level("WARNING", logger="kmdb"):
            assert await asyncio.gather(kit.work(settings), kit.work(settings)) == [0, 0]
        races = [m for r in caplog.records if any(x in (m := r.getMessage()) for x in LOCK_RACES)]
        assert races == []
        # Each file's people were resolved up front: no batch had to merge on its own.
        assert [r for r in caplog.records if NOT_RESOLVED in r.getMessage()] == []
        assert await kit.snapshot(conn) == one


def worker_env(settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        KMDB_REDIS_URL=settings.redis_url,
        KMDB_QUEUE=settings.queue,
        KMDB_BATCH_SIZE=str(settings.batch_size),
        **extra,
    )
    return env


async def test_worker_killed_mid_file_is_finished_by_another(
    settings, conn, arq, tmp_path: Path, kit: Any
):
    spec = ExportSpec(files=1, lines_per_file=30_000, seed=5)
    write_export(spec, tmp_path)
    url = f"file://{tmp_path}"
    await kit.enqueue(conn, arq, settings, url)
    short = kit.make_settings(job_timeout=6, batch_size=200)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kmdb.cli.work",
        "--burst",
        "--no-progress",
        env=worker_env(short, KMDB_JOB_TIMEOUT="6"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            line, status = await progress(settings, 140)
            if line >= 2000 or status == "done" or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert proc.returncode is None and status != "done", "the worker ended before it was killed"
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    killed_at, _ = await progress(settings, 140)
    assert 0 < killed_at < 30_000
    # The killed job's lock expires after its timeout; then another worker resumes the file.
    assert await kit.work(short) == 0
    assert await progress(settings, 140) == (30_000, "done")
    after_crash = await kit.snapshot(conn)

    await fresh(settings)
    await kit.enqueue(conn, arq, settings, url)
    assert await kit.work(settings) == 0
    assert await kit.snapshot(conn) == after_crash


class Proxy:
    """A TCP proxy to MariaDB that can cut every connection and refuse new ones: an outage."""

    def __init__(self, port: int):
        self.port, self.server, self.pairs = port, None, []

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection(
            "127.0.0.1", int(os.environ.get("MYSQL_PORT", 3306))
        )
        self.pairs += [writer, up_writer]
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        self.server.close()
        for w in self.pairs:
            w.transport.abort()
        self.pairs = []


async def test_mysql_outage_pauses_and_loses_nothing(settings, conn, arq, tmp_path, kit: Any):
    write_export(ExportSpec(files=1, lines_per_file=20_000, seed=3), tmp_path)
    await kit.enqueue(conn, arq, settings, f"file://{tmp_path}")
    proxy = Proxy(0)
    await proxy.start()
    url = settings.database_url.replace(":3306/", f":{proxy.port}/")
    through_proxy = kit.make_settings(database_url=url, batch_size=300)
    worker = asyncio.create_task(kit.work(through_proxy))
    for _ in range(600):
        line, _ = await progress(settings, 140)
        if line > 0:
            break
        await asyncio.sleep(0.05)
    await proxy.cut()
    await asyncio.sleep(3)  # MySQL is "down": the worker pauses and retries
    assert not worker.done()
    await proxy.start()
    assert await asyncio.wait_for(worker, 120) == 0
    await proxy.cut()
    line, status = await progress(settings, 140)
    assert (line, status) == (20_000, "done")
    imported = await kit.snapshot(conn)

    await fresh(settings)
    await kit.enqueue(conn, arq, settings, f"file://{tmp_path}")
    assert await kit.work(settings) == 0
    assert await kit.snapshot(conn) == imported
