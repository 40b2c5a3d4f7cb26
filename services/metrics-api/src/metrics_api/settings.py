"""metrics-api's settings: metrics_server's JSON config file or its METRICS_SERVER_* variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CONFIG_ENV = "METRICS_SERVER_CONFIG"


class Settings(BaseSettings):
    """Env wins over the config file; no Cassandra host at all is an error."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    cassandra: str = Field(validation_alias="METRICS_SERVER_CASSANDRA")
    debug: bool = Field(False, validation_alias="METRICS_SERVER_DEBUG")
    host: str = Field("127.0.0.1", validation_alias="METRICS_SERVER_HOST")
    port: int = Field(8104, validation_alias="METRICS_SERVER_PORT")
    threads: int = Field(4, validation_alias="METRICS_SERVER_THREADS")

    # Beyond the original: where the series live, how long they stay, and the schema on start.
    keyspace: str = Field(
        "metric_data", validation_alias="METRICS_SERVER_KEYSPACE", pattern=r"^[a-z][a-z0-9_]{0,47}$"
    )
    replication_factor: int = Field(1, validation_alias="METRICS_SERVER_REPLICATION", ge=1)
    # Reads' and writes' consistency level: ONE survives a node down at replication factor 2.
    consistency: Literal["ONE", "TWO", "THREE", "QUORUM", "LOCAL_ONE", "LOCAL_QUORUM", "ALL"] = (
        Field("LOCAL_QUORUM", validation_alias="METRICS_SERVER_CONSISTENCY")
    )
    ttl: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict, validation_alias="METRICS_SERVER_TTL"
    )
    schema_on_start: bool = Field(True, validation_alias="METRICS_SERVER_SCHEMA_ON_START")
    write_concurrency: int = Field(64, validation_alias="METRICS_SERVER_WRITE_CONCURRENCY", ge=1)
    dashboard_dir: str = Field("", validation_alias="METRICS_SERVER_DASHBOARD_DIR")

    # Who may call: the read token reads, the write token reads and writes (unset: nobody).
    read_token: str = Field("", validation_alias="METRICS_API_READ_TOKEN")
    write_token: str = Field("", validation_alias="METRICS_API_WRITE_TOKEN")
    # /metrics (Prometheus) wants the read token too; 0 leaves it open (a scraper inside the network).
    guard_prometheus: bool = Field(True, validation_alias="METRICS_API_GUARD_PROMETHEUS")

    @field_validator("ttl", mode="before")
    @classmethod
    def _ttl_pairs(cls, value: Any) -> Any:
        """Accepts "table=seconds,table=seconds", a JSON object, or a mapping."""
        if isinstance(value, str) and value.strip().startswith("{"):
            return json.loads(value)
        if isinstance(value, str):
            return cls.parse_ttl(value)
        return value

    @staticmethod
    def parse_ttl(value: str) -> dict[str, str]:
        """Splits "table=seconds,table=seconds" into a mapping."""
        out: dict[str, str] = {}
        for pair in value.split(","):
            if pair.strip():
                table, sep, seconds = pair.partition("=")
                if not sep:
                    raise ValueError(f"expected table=seconds, got {pair.strip()!r}")
                out[table.strip()] = seconds.strip()
        return out

    @field_validator("ttl")
    @classmethod
    def _known_tables(cls, value: dict[str, int]) -> dict[str, int]:
        from metrics_api.schema.tables import ALL_TABLES

        unknown = sorted(set(value) - set(ALL_TABLES))
        if unknown:
            raise ValueError(
                f"unknown table(s) {', '.join(unknown)}; known: {', '.join(ALL_TABLES)}"
            )
        if any(seconds < 0 for seconds in value.values()):
            raise ValueError("a TTL is a number of seconds >= 0 (0: keep forever)")
        return value

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
    """Reads {"debug", "server": {host, port, threads}, "cassandra": {host}, "ttl"} into settings values."""
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
    if "ttl" in raw:
        values["ttl"] = raw["ttl"]
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
