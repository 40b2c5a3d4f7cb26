"""A folder source: file:///dir holding revisions/<N>.json, read in chunks from an offset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kmdb.sources.base import REVISION_KEY, SourceError

CHUNK = 1 << 20


class FileSource:
    """Revision files in a local folder."""

    def __init__(self, url: str):
        self.url = url
        self.root = Path(unquote(urlsplit(url).path))

    def _path(self, revision: int) -> Path:
        return self.root / "revisions" / f"{revision}.json"

    async def size(self, revision: int) -> int | None:
        """The file's size, or None if it does not exist."""
        path = self._path(revision)
        return path.stat().st_size if path.is_file() else None

    async def smallest_revision(self) -> int | None:
        """The lowest N of revisions/N.json in the folder."""
        folder = self.root / "revisions"
        if not folder.is_dir():
            return None
        found = [
            int(m.group(1))
            for p in folder.iterdir()
            if (m := REVISION_KEY.search(f"revisions/{p.name}"))
        ]
        return min(found) if found else None

    async def chunks(self, revision: int, offset: int) -> AsyncIterator[bytes]:
        """The file's bytes from offset on."""
        try:
            handle = self._path(revision).open("rb")
        except OSError as exc:
            raise SourceError(f"cannot open {self._path(revision)}: {exc.strerror}") from None
        with handle:
            handle.seek(offset)
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
