"""ingest's settings, under the env names of Keymetrics' on-premise core."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every KM_* and SMTP_* variable is mandatory, as in the original."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    elasticsearch_url: str = Field(validation_alias="KM_ELASTICSEARCH_URL")
    mongo_url: str = Field(validation_alias="KM_MONGO_URL")
    redis_url: str = Field(validation_alias="KM_REDIS_URL")
    smtp_user: str = Field(validation_alias="SMTP_USER")
    smtp_password: str = Field(validation_alias="SMTP_PASSWORD")
    smtp_sender: str = Field(validation_alias="SMTP_SENDER")
    smtp_host: str = Field(validation_alias="SMTP_HOST")

    @property
    def elasticsearch_hosts(self) -> list[str]:
        """KM_ELASTICSEARCH_URL is a space-separated list of host:port (scheme optional)."""
        hosts = []
        for host in self.elasticsearch_url.split():
            hosts.append(host if "://" in host else f"http://{host}")
        return hosts
