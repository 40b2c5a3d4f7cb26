"""Bulk rows into MySQL with LOAD DATA LOCAL INFILE from a temporary tab-separated file."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from asyncmy.connection import Connection

from kmdb.db import execute

# LOAD DATA's default format escapes these with a backslash.
_ESCAPED = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0"}
TSV_SPECIAL = re.compile(f"[{re.escape(''.join(_ESCAPED))}]")
TSV_ESCAPES = str.maketrans(_ESCAPED)
# The same for a field of a row kept as a `%` template (the user id filled in later by
# writer._rows_text): `%` doubled as well.
TEMPLATE_SPECIAL = re.compile(f"[{re.escape(''.join(_ESCAPED))}%]")
TEMPLATE_ESCAPES = str.maketrans({**_ESCAPED, "%": "%%"})


def tsv_field(value: Any) -> str:
    """One field in LOAD DATA's default format: \\N for NULL, specials backslash-escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(TSV_ESCAPES) if TSV_SPECIAL.search(value) else value
    return str(value)


def tsv(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as LOAD DATA's default tab-separated text, UTF-8 encoded."""
    return "".join("\t".join(map(tsv_field, row)) + "\n" for row in rows).encode()


async def load_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Loads rows into table within the connection's current transaction."""
    return await load_text(conn, table, columns, tsv(rows)) if rows else 0


async def load_text(conn: Connection, table: str, columns: Sequence[str], text: bytes) -> int:
    """Loads LOAD DATA-formatted text (tab-separated, escaped) into table."""
    if not text:
        return 0
    fd, path = tempfile.mkstemp(prefix=f"kmdb-{table}-", suffix=".tsv")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text)
        cols = ", ".join(f"`{c}`" for c in columns)
        return await execute(
            conn,
            f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` CHARACTER SET utf8mb4 ({cols})",
            (path,),
        )
    finally:
        os.unlink(path)
