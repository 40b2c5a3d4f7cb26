"""metrics-api's settings: metrics_server's JSON config file or its METRICS_SERVER_* variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_ENV = "METRICS_SERVER_CONFIG"


class Settings(BaseSettings):
    """Env wins over the config file; no Cassandra host at all is an error."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    cassandra: str = Field(validation_alias="METRICS_SERVER_CASSANDRA")
    debug: bool = Field(False, validation_alias="METRICS_SERVER_DEBUG")
    host: str = Field("127.0.0.1", validation_alias="METRICS_SERVER_HOST")
    port: int = Field(8104, validation_alias="METRICS_SERVER_PORT")
    threads: int = Field(4, validation_alias="METRICS_SERVER_THREADS")

    @field_validator("cassandra")
    @classmethod
    def _some_host(cls, value: str) -> str:
        if not [h for h in value.split(",") if h.strip()]:
            raise ValueError("no Cassandra host configured")
        return value

    @property
    def cassandra_hosts(self) -> list[tuple[str, int]]:
        """Comma-separated host[:port] entries; the port defaults to 9042."""
        out = []
        for entry in self.cassandra.split(","):
            host, _, port = entry.strip().partition(":")
            if host:
                out.append((host, int(port or 9042)))
        return out


def file_values(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """Reads {"debug", "server": {host, port, threads}, "cassandra": {host}} into settings values."""
    if not path:
        return {}
    raw = json.loads(Path(path).read_text())
    server = raw.get("server") or {}
    values: dict[str, Any] = {}
    if "debug" in raw:
        values["debug"] = raw["debug"]
    for key in ("host", "port", "threads"):
        if key in server:
            values[key] = server[key]
    cassandra = (raw.get("cassandra") or {}).get("host")
    if cassandra:
        values["cassandra"] = ",".join(cassandra) if isinstance(cassandra, list) else cassandra
    return values


def settings_values() -> dict[str, Any]:
    """Values from the config file named by METRICS_SERVER_CONFIG, minus those env overrides."""
    values = file_values(os.environ.get(CONFIG_ENV))
    for name, field in Settings.model_fields.items():
        if isinstance(field.validation_alias, str) and field.validation_alias in os.environ:
            values.pop(name, None)
    return values
