"""`kmdb-generate`: realistic KISSmetrics exports (every quirk of real ones), streamed to files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from aiobotocore.session import get_session

from kmdb.cli.options import settings_from, setup_logging
from kmdb.exports.generate import ExportSpec, write_export

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)


async def upload(root: Path, url: str) -> int:
    """Copies root/* to s3://bucket/prefix (multipart, streamed); returns the file count."""
    from urllib.parse import urlsplit

    from kmdb.sources.upload import upload_tree

    settings = settings_from()
    parts = urlsplit(url)
    async with get_session().create_client("s3", **settings.s3_client_args()) as s3:
        return await upload_tree(s3, root, parts.netloc, parts.path.strip("/"))


@app.command()
def main(
    out: Annotated[Path, typer.Option("--out", help="Folder to write revisions/<N>.json into.")],
    first_revision: Annotated[int, typer.Option("--first-revision", min=0)] = 140,
    files: Annotated[int, typer.Option("--files", min=1)] = 3,
    lines: Annotated[int, typer.Option("--lines", min=1, help="Lines per file.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    users: Annotated[int, typer.Option("--users", min=0, help="People [default: lines/25]")] = 0,
    id_offset: Annotated[
        int, typer.Option("--id-offset", min=0, help="Added to every identity's number.")
    ] = 0,
    clean: Annotated[
        bool, typer.Option("--clean/--quirks", help="Leave out the damaged lines.")
    ] = False,
    to_s3: Annotated[
        str | None,
        typer.Option("--upload", help="Also upload to s3://bucket[/prefix].", show_default=False),
    ] = None,
) -> None:
    """Writes revisions first..first+files-1 with the given number of lines each."""
    setup_logging("kmdb-generate")
    spec = ExportSpec(
        first_revision, files, lines, seed, users, quirks=not clean, id_offset=id_offset
    )
    summaries = write_export(spec, out)
    total = sum(s.lines for s in summaries)
    size = sum(s.bytes for s in summaries)
    typer.echo(f"wrote {len(summaries)} file(s), {total:,} lines, {size:,} bytes under {out}")
    if to_s3:
        count = asyncio.run(upload(out, to_s3))
        typer.echo(f"uploaded {count} file(s) to {to_s3}")
