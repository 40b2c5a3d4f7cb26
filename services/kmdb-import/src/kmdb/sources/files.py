"""A folder source: file:///dir holding revisions/<N>.json, read in chunks from an offset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from meridian_kit.errors import BadRequest

from kmdb.sources.base import REVISION_KEY, SourceError, SourceNotFound

CHUNK = 1 << 20
RULE = "file:// sources through the API must lie inside a folder of KMDB_API_FILE_SOURCES"


def confined(path: Path, roots: Sequence[Path]) -> Path:
    """The path, if it resolves (symlinks and `..` followed) inside one of roots, or no roots; 400."""
    if roots:
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in roots):
            raise BadRequest(
                f"{RULE}; {path} leads to {resolved}",
                detail={"field": "source", "allowed": [str(r) for r in roots]},
            )
    return path


class FileSource:
    """Revision files in a local folder; with `within`, only files that resolve inside those."""

    def __init__(self, url: str, *, within: Sequence[Path] = ()):
        self.url = url
        self.root = Path(unquote(urlsplit(url).path))
        self.within = tuple(within)

    async def check(self) -> None:
        """Raises SourceNotFound unless the folder exists."""
        if not confined(self.root, self.within).is_dir():
            raise SourceNotFound(f"folder {self.root} does not exist")

    def _path(self, revision: int) -> Path:
        return confined(self.root / "revisions" / f"{revision}.json", self.within)

    async def size(self, revision: int) -> int | None:
        """The file's size, or None if it does not exist."""
        path = self._path(revision)
        return path.stat().st_size if path.is_file() else None

    async def smallest_revision(self) -> int | None:
        """The lowest N of revisions/N.json in the folder."""
        folder = confined(self.root / "revisions", self.within)
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


def confined_file_source(url: str, roots: Sequence[Path]) -> FileSource:
    """A FileSource for an API caller: its folder resolved, and inside one of `roots` (else 400)."""
    if not roots:
        raise BadRequest(
            f"{RULE}, and it names none: file:// sources are refused",
            detail={"field": "source", "allowed": []},
        )
    allowed = tuple(root.resolve() for root in roots)
    folder = confined(Path(unquote(urlsplit(url).path)), allowed).resolve()
    # Jobs read the resolved folder: re-pointing a symlink after this check cannot move them.
    return FileSource(folder.as_uri(), within=allowed)
