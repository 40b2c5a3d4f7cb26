"""The source interface, source URLs, and splitting a byte stream into lines with offsets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Protocol
from urllib.parse import urlsplit

from meridian_kit.errors import BadRequest

REVISION_KEY = re.compile(r"(?:^|/)revisions/(\d+)\.json$")


class SourceError(Exception):
    """A source could not be read; transient errors (a network fault) are worth a retry."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class SourceNotFound(SourceError):
    """The bucket or folder a source names does not exist: the caller's error, not an outage."""


class SourceRefused(SourceError):
    """The store refuses the source (access denied, an invalid name): the caller's error."""


class Source(Protocol):
    """A bucket or folder holding revisions/<N>.json."""

    url: str

    async def check(self) -> None:
        """Raises SourceNotFound or SourceRefused unless the bucket or folder can be read."""
        ...

    async def size(self, revision: int) -> int | None:
        """The file's size in bytes, or None if revisions/<N>.json does not exist."""
        ...

    async def smallest_revision(self) -> int | None:
        """The lowest revision number present, or None if there is none."""
        ...

    def chunks(self, revision: int, offset: int) -> AsyncIterator[bytes]:
        """The file's bytes from `offset` on, in chunks; never the whole file at once."""
        ...


# S3's rule for bucket names, with the upper case and underscores of older (us-east-1) buckets.
BUCKET_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{1,253})[A-Za-z0-9]")


def _bad_source(message: str) -> BadRequest:
    return BadRequest(message, detail={"field": "source"})


def check_source_url(url: str) -> str:
    """Validates s3://bucket[/prefix] and file:///dir URLs; returns the URL without a trailing /."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _bad_source(f"source is not a URL: {exc}") from None
    if parts.scheme == "s3" and parts.netloc:
        if not BUCKET_NAME.fullmatch(parts.netloc) or ".." in parts.netloc:
            raise _bad_source(f"{parts.netloc!r} is not an S3 bucket name (source {url!r})")
        if {".", ".."} & set(parts.path.split("/")) or parts.query or parts.fragment:
            raise _bad_source(f"an S3 prefix has no '.', '..', '?' or '#' parts (source {url!r})")
        return url.rstrip("/")
    if parts.scheme == "file" and parts.path and not parts.netloc:
        return url.rstrip("/") if parts.path != "/" else url
    raise _bad_source(f"source must be s3://bucket[/prefix] or file:///absolute/dir, not {url!r}")


def revision_path(prefix: str, revision: int) -> str:
    """The key or path of a revision file under a prefix."""
    return f"{prefix.strip('/')}/revisions/{revision}.json".lstrip("/")


async def split_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[list[bytes], bool]]:
    """Groups a byte stream into (lines without their newline, whether they had one).

    Only the stream's last line can lack a newline: it comes alone, as ([line], False).
    """
    tail = b""
    async for chunk in chunks:
        if not chunk:
            continue
        parts = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
        tail = parts.pop()
        if parts:
            yield parts, True
    if tail:
        yield [tail], False
