"""The console scripts: --help on each, flags over env, flush keeping the filters, a full run."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kmdb.db import execute, fetchall

BIN = Path(sys.executable).parent
SCRIPTS = ["kmdb-flush", "kmdb-partition", "kmdb-import", "kmdb-work", "kmdb-generate", "kmdb-api"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_help(script):
    done = subprocess.run([BIN / script, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "usage" in done.stdout.lower()


def test_help_names_the_env_variables():
    out = subprocess.run(
        [BIN / "kmdb-work", "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="200"),
    ).stdout
    for name in ("RESQUE_WORKERS", "KMDB_BATCH_SIZE", "DATABASE_URL", "KMDB_REDIS_URL", "--burst"):
        assert name in out
    out = subprocess.run(
        [BIN / "kmdb-import", "--help"],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="200"),
    ).stdout
    for name in ("KMDB_MIN_REVISION", "KMDB_REVISION_LOOKAHEAD", "--follow", "--force", "--source"):
        assert name in out


def test_bad_database_url_is_one_clear_line(settings):
    env = dict(os.environ, DATABASE_URL="postgres://x@y/z")
    done = subprocess.run([BIN / "kmdb-flush"], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr and "mysql" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


async def test_generate_import_work_flush(settings, conn, tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url.replace("mysql://", "mysql2://", 1),
        KMDB_REDIS_URL=settings.redis_url,
        KMDB_QUEUE=settings.queue,
        KMDB_BATCH_SIZE="500",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(BIN / args[0]), *args[1:]], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done

    run(
        "kmdb-generate",
        "--out",
        str(tmp_path),
        "--files",
        "2",
        "--lines",
        "2000",
        "--first-revision",
        "7",
    )
    await execute(conn, "INSERT INTO whitelisted_events (name) VALUES ('Visited Site')")
    out = run("kmdb-import", "--source", f"file://{tmp_path}").stdout
    assert "enqueued 2 file(s) (7..8)" in out
    run("kmdb-work", "--burst", "-n", "2", "--no-progress")
    names = await fetchall(
        conn, "SELECT DISTINCT k.string FROM events e JOIN `keys` k ON k.id = e.n"
    )
    assert names == [("Visited Site",)]
    assert (await fetchall(conn, "SELECT COUNT(*) FROM dumpfiles WHERE status = 'done'"))[0][0] == 2
    out = run("kmdb-import", "--source", f"file://{tmp_path}").stdout
    assert "enqueued 0 file(s)" in out
    run("kmdb-flush")
    assert (await fetchall(conn, "SELECT COUNT(*) FROM events"))[0][0] == 0
    assert (await fetchall(conn, "SELECT COUNT(*) FROM dumpfiles"))[0][0] == 0
    assert (await fetchall(conn, "SELECT name FROM whitelisted_events")) == [("Visited Site",)]


async def test_follow_picks_up_new_files(settings, conn, export):
    import asyncio

    url = export({300: [{"_p": "a", "_t": 1_400_000_000, "_n": "x"}]})
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        KMDB_REDIS_URL=settings.redis_url,
        KMDB_QUEUE=settings.queue,
    )
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "kmdb-import"),
        "--source",
        url,
        "--follow",
        "--interval",
        "1",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        async def known() -> list[int]:
            rows = await fetchall(conn, "SELECT revision FROM dumpfiles ORDER BY revision")
            return [r[0] for r in rows]

        for _ in range(300):
            if await known() == [300]:
                break
            await asyncio.sleep(0.1)
        assert await known() == [300]
        export({301: [{"_p": "b", "_t": 1_400_000_000, "_n": "x"}]})
        for _ in range(300):
            if await known() == [300, 301]:
                break
            await asyncio.sleep(0.1)
        assert await known() == [300, 301]
        assert proc.returncode is None  # still following
    finally:
        proc.terminate()
        await proc.wait()


async def test_burst_exits_1_when_a_job_failed_for_good(settings, conn, arq, export, kit):
    url = export({5: [{"_p": "a", "_t": 1_400_000_000, "_n": "x"}]})
    await kit.enqueue(conn, arq, settings, url)
    (Path(url.removeprefix("file://")) / "revisions" / "5.json").unlink()  # gone before the job
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        KMDB_REDIS_URL=settings.redis_url,
        KMDB_QUEUE=settings.queue,
    )
    done = await asyncio.to_thread(
        subprocess.run,
        [str(BIN / "kmdb-work"), "--burst", "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    status, error = (
        await fetchall(conn, "SELECT status, error FROM dumpfiles WHERE revision = 5")
    )[0]
    assert status == "failed" and "5.json" in error


async def test_work_stops_cleanly_on_sigterm(settings):
    from redis.asyncio import Redis

    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        KMDB_REDIS_URL=settings.redis_url,
        KMDB_QUEUE=settings.queue,
    )
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "kmdb-work"),
        "--no-progress",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    redis = Redis.from_url(settings.redis_url)
    try:
        # The worker writes its health-check key once it polls the queue.
        for _ in range(600):
            if await redis.exists(f"arq:queue:{settings.queue}:health-check"):
                break
            await asyncio.sleep(0.1)
        proc.terminate()
        _, stderr = await proc.communicate()
    finally:
        await redis.aclose()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert b"Traceback" not in stderr and b"shutdown on SIGTERM" in stderr
