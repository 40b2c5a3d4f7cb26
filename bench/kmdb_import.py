"""kmdb-import benchmark: generated exports in S3 -> committed rows, against LOAD DATA.

    uv run python bench/kmdb_import.py [--lines 1000000] [--files 5] [--part all|load-data|small-files]
        [--rounds 1] [--baseline-ref GIT_REF]

1. Generates a realistic export (every quirk) of --lines lines in --files revision files and
   uploads it to the moto S3 server (multipart, streamed).
2. Imports it with `kmdb-work --burst -n 1`, then with `-n 2` (real console scripts, real
   MariaDB, Redis queue, S3 reads): events/s from the first job to the last commit.
3. Dumps the final rows (events, properties, aliases, users, identities) to tab-separated files
   and times `LOAD DATA LOCAL INFILE` of them into the same, emptied tables: the baseline.
   Every import must leave the very same rows (a checksum of every column of every row).
   --rounds repeats 1 and 2 workers and LOAD DATA, alternating; with --baseline-ref, the workers
   of that git commit (its kmdb package from `git archive`, first on PYTHONPATH) are timed in
   the same rounds, in alternating order, for an A/B on the same busy machine.
4. Peak RSS of one worker importing one small file and one file ten times larger.
5. Small files, as a real export comes: --small-files files of --small-lines lines each
   (136 of 5) imported by `kmdb-import` with one `kmdb-work` already running: the export's time
   (from starting kmdb-import to the last file done) and the time per file (first job's start
   to last commit, over the files); median of --runs.

Everything lives in its own database (kmdb_bench), queue and bucket, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiobotocore.session import get_session
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent
for key, _, value in (
    line.partition("=") for line in (ROOT / ".local/dev.env").read_text().splitlines()
):
    if value and not key.startswith("#"):
        os.environ.setdefault(key.strip(), value.strip())

from kmdb.db import connection, execute, fetchall  # noqa: E402
from kmdb.exports.generate import ExportSpec, write_export  # noqa: E402
from kmdb.importer.bulk import tsv  # noqa: E402
from kmdb.settings import Settings  # noqa: E402
from kmdb.sources.upload import upload_tree  # noqa: E402

DB, QUEUE, BUCKET = "kmdb_bench", "kmdbbench", "kmdb-bench"
TABLES = {
    "events": ("id", "t", "n", "user_id"),
    "properties": ("id", "t", "key", "value", "user_id", "event_id"),
    "aliases": ("id", "name1", "name2", "t"),
    "users": ("id", "name"),
    "identities": ("name", "user_id"),
}


def settings() -> Settings:
    parts = urlsplit(os.environ["DATABASE_URL"])
    url = urlunsplit(parts._replace(path=f"/{DB}"))
    return Settings(database_url=url, queue=QUEUE, aws_bucket=BUCKET)


def env(s: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": s.database_url,
        "KMDB_QUEUE": s.queue,
        "AWS_BUCKET": BUCKET,
        **extra,
    }


def run(cmd: list[str], s: Settings, **extra: str) -> tuple[float, int]:
    """Runs a console script; returns (seconds, peak RSS in KiB of the process and children)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env(s, **extra), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return time.perf_counter() - started, usage.ru_maxrss


def bin_(name: str) -> str:
    return str(Path(sys.executable).parent / name)


async def counts(s: Settings) -> dict[str, int]:
    async with connection(s) as conn:
        return {t: (await fetchall(conn, f"SELECT COUNT(*) FROM {t}"))[0][0] for t in TABLES}


async def contents(s: Settings) -> dict[str, tuple[int, int, int]]:
    """Per table: rows, and two order-independent checksums of every column of every row."""
    out = {}
    async with connection(s) as conn:
        for table, columns in TABLES.items():
            row = "CONCAT_WS(0x09, " + ", ".join(f"COALESCE(`{c}`, '-')" for c in columns) + ")"
            count, xor, total = (
                await fetchall(
                    conn,
                    f"SELECT COUNT(*), BIT_XOR(CRC32({row})), SUM(CRC32(REVERSE({row}))) FROM `{table}`",
                )
            )[0]
            out[table] = (int(count), int(xor or 0), int(total or 0))
    return out


def baseline_build(ref: str, folder: Path) -> dict[str, str]:
    """The env that makes the console scripts run kmdb as of git commit `ref`."""
    tree = folder / "baseline-src"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "services/kmdb-import/src"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    src = tree / "services/kmdb-import/src"
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))}


async def rows_moved(s: Settings) -> int:
    """Past rows the de-aliasing re-pointed during the last import (work LOAD DATA never does)."""
    async with connection(s) as conn:
        return int(
            (await fetchall(conn, "SELECT COALESCE(SUM(rows_moved), 0) FROM dumpfiles"))[0][0]
        )


async def import_once(
    s: Settings, source: str, workers: int, **extra: str
) -> tuple[float, float, int]:
    """Flush, enqueue, work: (seconds from the first job's start to the last commit,
    seconds of the kmdb-work process, its peak RSS in KiB)."""
    run([bin_("kmdb-flush")], s)
    run([bin_("kmdb-import"), "--source", source], s)
    wall, rss = run([bin_("kmdb-work"), "--burst", "--no-progress", "-n", str(workers)], s, **extra)
    async with connection(s) as conn:
        first, last = (
            await fetchall(conn, "SELECT MIN(started_at), MAX(finished_at) FROM dumpfiles")
        )[0]
    return (last - first).total_seconds(), wall, rss


async def dump(s: Settings, folder: Path) -> None:
    """Writes every final row to <table>.tsv, streaming (unbuffered cursor)."""
    from asyncmy.cursors import SSCursor

    async with connection(s) as conn:
        for table, columns in TABLES.items():
            cols = ", ".join(f"`{c}`" for c in columns)
            with (folder / f"{table}.tsv").open("wb") as out:
                async with conn.cursor(SSCursor) as cur:
                    await cur.execute(f"SELECT {cols} FROM `{table}`")
                    while rows := await cur.fetchmany(20_000):
                        out.write(tsv(rows))


async def load_data(s: Settings, folder: Path) -> float:
    """Empties the tables, then times LOAD DATA LOCAL INFILE of every dump in one transaction."""
    async with connection(s, local_infile=True) as conn:
        for table in TABLES:
            await execute(conn, f"TRUNCATE TABLE `{table}`")
        started = time.perf_counter()
        await conn.begin()
        for table, columns in TABLES.items():
            cols = ", ".join(f"`{c}`" for c in columns)
            await execute(
                conn,
                f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` CHARACTER SET utf8mb4 ({cols})",
                (str(folder / f"{table}.tsv"),),
            )
        await conn.commit()
        return time.perf_counter() - started


async def started_worker(s: Settings) -> subprocess.Popen[bytes]:
    """A `kmdb-work -n 1` left running, as the suite runs it, once it polls its queue."""
    redis = Redis.from_url(s.redis_url)
    ready = f"arq:queue:{s.queue}:health-check"
    await redis.delete(ready)
    worker = subprocess.Popen(  # noqa: ASYNC220 - a bench: nothing else runs meanwhile
        [bin_("kmdb-work"), "--no-progress", "-n", "1"], env=env(s), stdout=subprocess.DEVNULL
    )
    while not await redis.exists(ready):
        if worker.poll() is not None:
            raise SystemExit(f"kmdb-work exited {worker.returncode}")
        await asyncio.sleep(0.05)
    await redis.aclose()
    return worker


async def small_files(s: Settings, work: Path, files: int, lines: int, runs: int) -> list[str]:
    """Imports an export of many small files `runs` times; the report's lines, RESULT last."""
    spec = ExportSpec(files=files, lines_per_file=lines, seed=11)
    write_export(spec, work / "small-files")
    async with get_session().create_client("s3", **s.s3_client_args()) as s3:
        await upload_tree(s3, work / "small-files", BUCKET, "small-files")
    source = f"s3://{BUCKET}/small-files"
    per_file: list[float] = []
    exports: list[float] = []
    rows = []
    for _ in range(runs):
        run([bin_("kmdb-flush")], s)
        worker = await started_worker(s)
        try:
            began = time.perf_counter()
            enqueue_s, _ = run([bin_("kmdb-import"), "--source", source], s)
            async with connection(s) as conn:
                sql = "SELECT COUNT(*) FROM dumpfiles WHERE status = 'done'"
                while (await fetchall(conn, sql))[0][0] < files:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.02)
                export_s = time.perf_counter() - began
                first, last = (
                    await fetchall(conn, "SELECT MIN(started_at), MAX(finished_at) FROM dumpfiles")
                )[0]
        finally:
            worker.terminate()
            worker.wait()
        span = (last - first).total_seconds()
        per_file.append(span / files * 1000)
        exports.append(export_s)
        rows.append(
            f"| {export_s:.2f} | {enqueue_s:.2f} | {span:.2f} | {per_file[-1]:.1f}"
            f" | {os.getloadavg()[0]:.1f} |"
        )
    per_file_ms, export_s = statistics.median(per_file), statistics.median(exports)
    return [
        f"### Small files ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC,"
        f" `uv run python bench/kmdb_import.py --part small-files --small-files {files}"
        f" --small-lines {lines} --runs {runs}`)",
        "",
        f"{files} S3 files of {lines} lines; one `kmdb-work` already running (as in the suite);"
        " the export runs from starting `kmdb-import` to the last file done; per file is the"
        " first job's start to the last commit, over the files.",
        "",
        "| export s | of which kmdb-import s | first start → last commit s | per file ms"
        " | load average (1 min) |",
        "|---|---|---|---|---|",
        *rows,
        "",
        f"Median of {runs}: {export_s:.2f} s for the export, {per_file_ms:.1f} ms per file,"
        f" on {os.cpu_count()} cores.",
        f"RESULT kmdb_small_files_export {export_s:.2f} s (goal < 10)",
        f"RESULT kmdb_small_file_overhead {per_file_ms:.1f} ms (goal < 50)",
    ]


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


async def load_data_part(s: Settings, work: Path, args: argparse.Namespace) -> list[str]:
    """1 and 2 workers on a big export against LOAD DATA of its final rows (and, with
    --baseline-ref, the same for that build), in alternating rounds; peak RSS."""
    spec = ExportSpec(files=args.files, lines_per_file=args.lines // args.files, seed=2024)
    t = time.perf_counter()
    write_export(spec, work / "export")
    gen_s = time.perf_counter() - t
    async with get_session().create_client("s3", **s.s3_client_args()) as s3:
        await upload_tree(s3, work / "export", BUCKET, "full")
        small = ExportSpec(files=1, lines_per_file=args.rss_lines, seed=7)
        large = ExportSpec(files=1, lines_per_file=args.rss_lines * 10, seed=7)
        write_export(small, work / "small")
        write_export(large, work / "large")
        await upload_tree(s3, work / "small", BUCKET, "small")
        await upload_tree(s3, work / "large", BUCKET, "large")
    shutil.rmtree(work / "small")
    shutil.rmtree(work / "large")
    shutil.rmtree(work / "export")
    print(f"generated {args.lines:,} lines in {gen_s:.1f}s, uploaded to s3://{BUCKET}/")

    builds: dict[str, dict[str, str]] = {"this build": {}}
    if args.baseline_ref:
        builds[args.baseline_ref] = baseline_build(args.baseline_ref, work)
    full = f"s3://{BUCKET}/full"
    expected: dict[str, tuple[int, int, int]] | None = None
    rows: dict[str, int] = {}
    moved = 0
    loads: list[float] = []
    times: dict[tuple[str, int], list[float]] = {(b, n): [] for b in builds for n in (1, 2)}
    table: list[str] = []
    for r in range(args.rounds):
        order = list(builds) if r % 2 == 0 else list(reversed(builds))
        got: dict[tuple[str, int], float] = {}
        for workers in (1, 2):
            for build in order:
                secs, _, _ = await import_once(s, full, workers, **builds[build])
                now = await contents(s)
                if expected is None:
                    expected, rows, moved = now, await counts(s), await rows_moved(s)
                    await dump(s, work)
                assert now == expected, (
                    f"{build}, {workers} worker(s): other rows than the first import"
                )
                got[build, workers] = secs
                times[build, workers].append(secs)
                print(f"round {r + 1}: {build}, {workers} worker(s): {secs:.1f}s", flush=True)
        load_s = await load_data(s, work)
        assert await contents(s) == expected, "LOAD DATA gave other rows than the import"
        loads.append(load_s)
        cells = " | ".join(
            f"{got[b, n]:.1f} ({load_s / got[b, n]:.2f}x)" for b in builds for n in (1, 2)
        )
        table.append(f"| {r + 1} | {load_s:.1f} | {cells} | {os.getloadavg()[0]:.1f} |")
    _, _, rss_small = await import_once(s, f"s3://{BUCKET}/small", 1)
    _, _, rss_large = await import_once(s, f"s3://{BUCKET}/large", 1)

    def ratio(build: str, workers: int) -> float:
        """Median over the rounds of LOAD DATA seconds / import seconds of the same round."""
        return _median([ld / t for ld, t in zip(loads, times[build, workers], strict=True)])

    events = rows["events"]
    heads = " | ".join(
        f"{b}, {n} worker{'s' if n > 1 else ''} s (vs LOAD DATA)" for b in builds for n in (1, 2)
    )
    one, two = ratio("this build", 1), ratio("this build", 2)
    command = (
        f"uv run python bench/kmdb_import.py --part load-data --lines {args.lines} --files {args.files}"
        f" --rounds {args.rounds}"
        + (f" --baseline-ref {args.baseline_ref}" if args.baseline_ref else "")
    )
    report = [
        f"## kmdb-import ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, `{command}`)",
        "",
        f"{args.lines:,} generated lines (quirks included) in {args.files} S3 files -> {events:,} events,"
        f" {rows['properties']:,} properties, {rows['aliases']:,} aliases, {rows['users']:,} users;"
        " events and properties partitioned by day (kmdb-partition, 2013-10-01..2014-01-31),"
        f" KMDB_BATCH_SIZE {s.batch_size}. Every import left the same rows (checksums of every"
        " column of the five tables), and so did LOAD DATA.",
        "",
        f"| round | LOAD DATA s | {heads} | load average |",
        "|---|---|" + "---|" * (2 * len(builds)) + "---|",
        *table,
        "",
        "Median over the rounds of LOAD DATA / import (each round's own LOAD DATA): "
        + "; ".join(
            f"{b}: 1 worker {ratio(b, 1):.2f}x, 2 workers {ratio(b, 2):.2f}x" for b in builds
        )
        + ".",
        f"The import also re-pointed {moved:,} past event and property rows to the users their"
        " identities were later merged into (late aliases); LOAD DATA of the final rows does"
        " not have that work.",
        "Seconds run from the first job's start to the last file's commit (dumpfiles timestamps).",
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        f"Peak RSS of one worker: {rss_small / 1024:.0f} MiB for a {args.rss_lines:,}-line file,"
        f" {rss_large / 1024:.0f} MiB for a {args.rss_lines * 10:,}-line file"
        f" ({rss_large / rss_small:.2f}x for 10x the lines).",
        "",
    ]
    if args.baseline_ref:
        ref = args.baseline_ref
        ab = _median([b / a for a, b in zip(times["this build", 1], times[ref, 1], strict=True)])
        report.append(f"RESULT kmdb_one_worker_speedup_vs_{ref} {ab:.2f} x (goal > 1)")
    report += [
        f"RESULT kmdb_two_workers_vs_load_data {two:.2f} x (goal > {one:.2f})",
        f"RESULT kmdb_one_worker_vs_load_data {one:.2f} x (goal >= 0.8)",
    ]
    return report


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "load-data", "small-files"), default="all")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines in all")
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--rss-lines", type=int, default=50_000, help="lines of the small RSS file")
    parser.add_argument("--small-files", type=int, default=136, help="files of the small export")
    parser.add_argument("--small-lines", type=int, default=5, help="lines per small file")
    parser.add_argument("--runs", type=int, default=3, help="runs of the small export")
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of 1 and 2 workers and LOAD DATA"
    )
    parser.add_argument(
        "--baseline-ref", help="git commit whose workers are timed too, alternating (A/B)"
    )
    args = parser.parse_args()
    s = settings()
    base = Settings(database_url=s.database_url.rsplit("/", 1)[0] + "/", queue=QUEUE)
    async with connection(base, db=None) as conn:
        await execute(conn, f"DROP DATABASE IF EXISTS {DB}")
        await execute(conn, f"CREATE DATABASE {DB} CHARACTER SET utf8mb4")
    # Daily partitions, as KMDB is run in production: the generated export starts on 2014-01-01
    # (2.5 days of 12-hour revisions) and back-dates some events by up to 60 days.
    run([bin_("kmdb-flush"), "--schema-only"], s)
    run(
        [bin_("kmdb-partition")],
        s,
        KMDB_MIN_DATE="2013-10-01",
        KMDB_MAX_DATE="2014-01-31",
        KMDB_DAYS_PER_PARTITION="1",
    )
    work = Path(tempfile.mkdtemp(prefix="kmdb-bench-"))
    try:
        report: list[str] = []
        if args.part in ("all", "load-data"):
            report += await load_data_part(s, work, args)
        if args.part in ("all", "small-files"):
            report += [
                "",
                *await small_files(s, work, args.small_files, args.small_lines, args.runs),
            ]
        # The RESULT lines come last, for scripts.
        report = [x for x in report if not x.startswith("RESULT ")] + [
            x for x in report if x.startswith("RESULT ")
        ]
        out = ROOT / "bench" / "out"
        out.mkdir(exist_ok=True)
        (out / "kmdb_import.md").write_text("\n".join(report) + "\n")
        print("\n".join(report))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        async with connection(base, db=None) as conn:
            await execute(conn, f"DROP DATABASE IF EXISTS {DB}")
        async with get_session().create_client("s3", **s.s3_client_args()) as s3:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            async for page in pages:
                for item in page.get("Contents", []):
                    await s3.delete_object(Bucket=BUCKET, Key=item["Key"])
            await s3.delete_bucket(Bucket=BUCKET)


if __name__ == "__main__":
    asyncio.run(main())
