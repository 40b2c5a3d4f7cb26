"""Uploading an export folder to S3 with streamed multipart uploads (for tests, bench, demos)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

    from kmdb.sources.s3 import S3Client

PART = 8 << 20


async def upload_file(s3: S3Client, path: Path, bucket: str, key: str) -> None:
    """Uploads one file in 8 MiB parts, never holding more than one part in memory."""
    if path.stat().st_size <= PART:  # noqa: ASYNC240 - a local stat
        await s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())  # noqa: ASYNC240
        return
    upload = await s3.create_multipart_upload(Bucket=bucket, Key=key)
    parts: list[CompletedPartTypeDef] = []
    try:
        with path.open("rb") as handle:
            number = 1
            while chunk := handle.read(PART):
                done = await s3.upload_part(
                    Bucket=bucket,
                    Key=key,
                    PartNumber=number,
                    UploadId=upload["UploadId"],
                    Body=chunk,
                )
                parts.append({"PartNumber": number, "ETag": done["ETag"]})
                number += 1
        await s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
        )
    except BaseException:
        await s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
        raise


async def upload_tree(s3: S3Client, root: Path, bucket: str, prefix: str = "") -> int:
    """Uploads every file under root to bucket/prefix/<relative path>; creates the bucket."""
    try:
        await s3.head_bucket(Bucket=bucket)
    except Exception:
        await s3.create_bucket(Bucket=bucket)
    count = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):  # noqa: ASYNC240
        key = "/".join(x for x in (prefix, path.relative_to(root).as_posix()) if x)
        await upload_file(s3, path, bucket, key)
        count += 1
    return count
