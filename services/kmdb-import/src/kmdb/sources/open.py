"""Opens the source a URL names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from kmdb.sources.base import Source, check_source_url
from kmdb.sources.files import FileSource, confined_file_source
from kmdb.sources.s3 import S3Client, S3Source


def open_source(url: str, s3_client: S3Client) -> Source:
    """A FileSource for file:///dir, an S3Source (with the given client) for s3://bucket/prefix."""
    url = check_source_url(url)
    if urlsplit(url).scheme == "file":
        return FileSource(url)
    return S3Source(url, s3_client)


def open_api_source(url: str, s3_client: S3Client, file_roots: Sequence[Path]) -> Source:
    """open_source for an API caller: file:// only inside KMDB_API_FILE_SOURCES's folders."""
    url = check_source_url(url)
    if urlsplit(url).scheme == "file":
        return confined_file_source(url, file_roots)
    return S3Source(url, s3_client)


def default_source(bucket: str | None) -> str | None:
    """s3://AWS_BUCKET, KMDB's default."""
    return f"s3://{bucket}" if bucket else None
