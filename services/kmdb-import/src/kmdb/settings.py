"""kmdb-import's settings, under KMDB's env names."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """DATABASE_URL (mysql:// or mysql2://) and KMDB_REDIS_URL are mandatory; S3 is optional."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    database_url: str = Field(validation_alias="DATABASE_URL")
    # Where the API's lag-tolerant reads go (a replica of DATABASE_URL's database); unset: the primary.
    read_database_url: str | None = Field(None, validation_alias="KMDB_READ_DATABASE_URL")
    redis_url: str = Field(validation_alias="KMDB_REDIS_URL")
    aws_bucket: str | None = Field(None, validation_alias="AWS_BUCKET")
    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    min_date: dt.date | None = Field(None, validation_alias="KMDB_MIN_DATE")
    max_date: dt.date | None = Field(None, validation_alias="KMDB_MAX_DATE")
    days_per_partition: int = Field(7, ge=1, validation_alias="KMDB_DAYS_PER_PARTITION")
    min_revision: int | None = Field(None, ge=0, validation_alias="KMDB_MIN_REVISION")
    revision_lookahead: int = Field(5, ge=1, validation_alias="KMDB_REVISION_LOOKAHEAD")
    batch_size: int = Field(10_000, ge=1, validation_alias="KMDB_BATCH_SIZE")
    workers: int = Field(1, ge=1, validation_alias="RESQUE_WORKERS")
    queue: str = Field("kmdb", min_length=1, validation_alias="KMDB_QUEUE")
    job_timeout: int = Field(600, ge=4, validation_alias="KMDB_JOB_TIMEOUT")
    max_tries: int = Field(20, ge=1, validation_alias="KMDB_MAX_TRIES")
    # The HTTP API's bearer token; unset, every route but health, metrics and docs answers 403.
    api_token: str | None = Field(None, validation_alias="KMDB_API_TOKEN")
    # Folders (colon-separated) whose file:// sources API callers may import; none by default.
    api_file_sources: str = Field("", validation_alias="KMDB_API_FILE_SOURCES")
    # The longest the database may count events for one /stats/events answer.
    stats_max_seconds: float = Field(10.0, gt=0, le=600, validation_alias="KMDB_STATS_MAX_SECONDS")

    @field_validator("read_database_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _mysql_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = urlsplit(value).scheme
        if scheme not in ("mysql", "mysql2"):
            raise ValueError(f"must be mysql:// or mysql2://, not {scheme or '(none)'}://")
        return value

    @field_validator("api_token")
    @classmethod
    def _real_token(cls, value: str | None) -> str | None:
        token = (value or "").strip()
        if not token:
            return None
        if len(token) < 16:  # refuses placeholders such as "changeme" or "secret"
            raise ValueError("must be a real secret of at least 16 characters")
        return token

    @field_validator("api_file_sources")
    @classmethod
    def _absolute_folders(cls, value: str) -> str:
        folders = [p.strip() for p in value.split(os.pathsep) if p.strip()]
        relative = [p for p in folders if not Path(p).is_absolute()]
        if relative:
            raise ValueError(f"folders must be absolute paths, not {', '.join(relative)}")
        return value

    @property
    def api_file_roots(self) -> list[Path]:
        """The folders of KMDB_API_FILE_SOURCES (API callers may import file:// only inside)."""
        return [Path(p.strip()) for p in self.api_file_sources.split(os.pathsep) if p.strip()]

    @property
    def job_slice_seconds(self) -> float:
        """How long one job works on a file before handing the rest to a continuation job."""
        return self.job_timeout / 2

    @property
    def reads_elsewhere(self) -> bool:
        """Whether KMDB_READ_DATABASE_URL names a database other than DATABASE_URL's."""
        return self.read_database_url is not None and self.read_database_url != self.database_url

    def mysql_params(self, *, read: bool = False) -> dict[str, Any]:
        """Connection parameters from DATABASE_URL (mysql://user:pass@host:port/db), or with
        `read` from KMDB_READ_DATABASE_URL (DATABASE_URL's when unset)."""
        url = urlsplit(
            self.read_database_url if read and self.read_database_url else self.database_url
        )
        params: dict[str, Any] = {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 3306,
            "user": unquote(url.username or "root"),
            "password": unquote(url.password or ""),
            "db": unquote(url.path.lstrip("/")) or None,
        }
        query = parse_qs(url.query)
        if "socket" in query:
            params["unix_socket"] = query["socket"][0]
        return params

    def s3_client_args(self) -> dict[str, Any]:
        """Keyword arguments for aiobotocore's create_client("s3", ...)."""
        return {
            "region_name": self.aws_region,
            "endpoint_url": self.aws_endpoint_url,
            "aws_access_key_id": self.aws_access_key_id,
            "aws_secret_access_key": self.aws_secret_access_key,
        }
