"""An S3 source through aiobotocore: streamed GETs with Range, reopened where a stream broke."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiobotocore.client import AioBaseClient
from aiohttp import ClientError as HttpClientError
from botocore.exceptions import BotoCoreError, ClientError

from kmdb.sources.base import (
    REVISION_KEY,
    SourceError,
    SourceNotFound,
    SourceRefused,
    revision_path,
)

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
else:  # the stubs are a dev dependency; at run time aiobotocore makes the client's class itself
    S3Client = AioBaseClient

log = logging.getLogger("kmdb.sources.s3")
CHUNK = 1 << 20
ATTEMPTS = 8


# What a store answers for a bucket or key that is not there, and for one it will not show us.
MISSING = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})
REFUSED = frozenset({"403", "AccessDenied", "AllAccessDisabled", "InvalidBucketName"})
# What a store that cannot be reached raises (an outage, not the caller's error).
UNREACHABLE = (TimeoutError, HttpClientError, BotoCoreError, OSError)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def source_error(exc: Exception, where: str) -> SourceError:
    """An S3 failure as a SourceError: missing and refused are the caller's, the rest transient."""
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in MISSING:
            return SourceNotFound(f"{where} does not exist ({code})")
        if code in REFUSED:
            return SourceRefused(f"{where} cannot be read with the service's credentials ({code})")
        return SourceError(f"{where}: {exc}", transient=True)
    return SourceError(f"{where}: {type(exc).__name__}: {exc}", transient=True)


class S3Source:
    """Revision files in s3://bucket[/prefix]."""

    def __init__(self, url: str, client: S3Client):
        parts = urlsplit(url)
        self.url, self.client = url, client
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")

    async def check(self) -> None:
        """Raises SourceNotFound/SourceRefused unless the bucket exists and may be read."""
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, *UNREACHABLE) as exc:
            raise source_error(exc, f"bucket s3://{self.bucket}") from None

    def key(self, revision: int) -> str:
        """The object key of a revision file."""
        return revision_path(self.prefix, revision)

    async def size(self, revision: int) -> int | None:
        """The object's size, or None if it does not exist."""
        try:
            head = await self.client.head_object(Bucket=self.bucket, Key=self.key(revision))
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise source_error(exc, f"s3://{self.bucket}/{self.key(revision)}") from None
        except UNREACHABLE as exc:
            raise source_error(exc, f"s3://{self.bucket}/{self.key(revision)}") from None
        return int(head["ContentLength"])

    async def smallest_revision(self) -> int | None:
        """The lowest N of <prefix>/revisions/N.json in the bucket."""
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = f"{self.prefix}/revisions/".lstrip("/")
        lowest: int | None = None
        try:
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    if m := REVISION_KEY.search(item["Key"]):
                        n = int(m.group(1))
                        lowest = n if lowest is None else min(lowest, n)
        except (ClientError, *UNREACHABLE) as exc:
            raise source_error(exc, f"s3://{self.bucket}/{prefix}") from None
        return lowest

    async def chunks(self, revision: int, offset: int) -> AsyncIterator[bytes]:
        """The object's bytes from offset on; a broken stream is reopened at the byte it reached."""
        position, failures = offset, 0
        while True:
            key = self.key(revision)
            try:
                if position:
                    ranged = f"bytes={position}-"
                    response = await self.client.get_object(
                        Bucket=self.bucket, Key=key, Range=ranged
                    )
                else:
                    response = await self.client.get_object(Bucket=self.bucket, Key=key)
                async with response["Body"] as body:
                    while chunk := await body.read(CHUNK):
                        position += len(chunk)
                        failures = 0
                        yield chunk
                return
            except ClientError as exc:
                if _code(exc) == "InvalidRange":
                    return  # offset is already at the end of the object
                if _code(exc) in ("NoSuchKey", "404", "AccessDenied", "NoSuchBucket"):
                    raise SourceError(f"s3://{self.bucket}/{key}: {_code(exc)}") from None
                error: Exception = exc
            except UNREACHABLE as exc:
                error = exc
            failures += 1
            if failures >= ATTEMPTS:
                message = f"s3://{self.bucket}/{key}: {error}"
                raise SourceError(message, transient=True) from None
            log.warning("reading %s at byte %d: %s; reopening", key, position, error)
            await asyncio.sleep(min(2**failures * 0.1, 5))
