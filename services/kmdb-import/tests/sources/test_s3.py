"""The S3 source on the moto server: streamed reads from an offset, and a whole import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kmdb.db import connection
from kmdb.exports.generate import ExportSpec, write_export
from kmdb.imports.discover import start_import
from kmdb.schema.service import flush
from kmdb.sources.base import split_lines
from kmdb.sources.open import open_source
from kmdb.sources.upload import upload_tree


async def test_chunks_from_an_offset_and_missing_files(settings, s3, tmp_path: Path):
    write_export(ExportSpec(files=2, lines_per_file=3000, seed=9), tmp_path)
    await upload_tree(s3, tmp_path, settings.aws_bucket, "exports/acme")
    source = open_source(f"s3://{settings.aws_bucket}/exports/acme", s3)
    data = (tmp_path / "revisions" / "141.json").read_bytes()
    assert await source.size(141) == len(data)
    assert await source.size(142) is None
    assert await source.smallest_revision() == 140
    got = b"".join([c async for c in source.chunks(141, 1000)])
    assert got == data[1000:]
    assert [c async for c in source.chunks(141, len(data))] == []
    lines = [line async for group, _ in split_lines(source.chunks(141, 0)) for line in group]
    assert lines == data.split(b"\n")[: len(lines)] and len(lines) == 3000


async def test_import_from_s3_equals_import_from_a_folder(
    settings, conn, arq, s3, tmp_path, kit: Any
):
    write_export(ExportSpec(files=3, lines_per_file=800, seed=21), tmp_path)
    await upload_tree(s3, tmp_path, settings.aws_bucket, "equal")
    started = await start_import(
        conn, arq, settings, open_source(f"s3://{settings.aws_bucket}/equal", s3)
    )
    assert started.enqueued == [140, 141, 142]
    assert await kit.work(settings) == 0  # workers open the S3 source themselves
    from_s3 = await kit.snapshot(conn)
    assert len(from_s3["events"]) > 1500
    async with connection(settings) as c:
        await flush(c)
    await kit.enqueue(conn, arq, settings, f"file://{tmp_path}")
    assert await kit.work(settings) == 0
    assert await kit.snapshot(conn) == from_s3
