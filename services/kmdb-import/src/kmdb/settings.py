"""kmdb-import's settings, under KMDB's env names."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """DATABASE_URL (mysql:// or mysql2://) and KMDB_REDIS_URL are mandatory; S3 is optional."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    database_url: str = Field(validation_alias="DATABASE_URL")
    redis_url: str = Field(validation_alias="KMDB_REDIS_URL")
    aws_bucket: str | None = Field(None, validation_alias="AWS_BUCKET")
    aws_access_key_id: str | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")

    def mysql_params(self) -> dict[str, Any]:
        """Connection parameters from DATABASE_URL (mysql://user:pass@host:port/db)."""
        url = urlsplit(self.database_url)
        if url.scheme not in ("mysql", "mysql2"):
            raise ValueError(f"DATABASE_URL must be mysql:// or mysql2://, not {url.scheme}://")
        return {
            "host": url.hostname or "127.0.0.1",
            "port": url.port or 3306,
            "user": unquote(url.username or "root"),
            "password": unquote(url.password or ""),
            "db": url.path.lstrip("/") or None,
        }
