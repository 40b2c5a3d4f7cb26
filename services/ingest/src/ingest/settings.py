"""ingest's settings, under the env names of Keymetrics' on-premise core."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every KM_* and SMTP_* variable is mandatory, as in the original; INGEST_* tune the rest."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    elasticsearch_url: str = Field(validation_alias="KM_ELASTICSEARCH_URL")
    mongo_url: str = Field(validation_alias="KM_MONGO_URL")
    redis_url: str = Field(validation_alias="KM_REDIS_URL")
    smtp_user: str = Field(validation_alias="SMTP_USER")
    smtp_password: str = Field(validation_alias="SMTP_PASSWORD")
    smtp_sender: str = Field(validation_alias="SMTP_SENDER")
    smtp_host: str = Field(validation_alias="SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="SMTP_PORT")

    # Isolation: every index, Redis key and the Mongo database carry these names.
    index_prefix: str = Field("km", validation_alias="KM_INDEX_PREFIX", pattern=r"^[a-z0-9_]+$")
    index_replicas: int = Field(0, validation_alias="KM_INDEX_REPLICAS", ge=0)
    redis_prefix: str = Field("ingest", validation_alias="INGEST_REDIS_PREFIX", min_length=1)
    mongo_database: str = Field("meridian_ingest", validation_alias="INGEST_MONGO_DATABASE")

    admin_token: str = Field("", validation_alias="INGEST_ADMIN_TOKEN")
    public_url: str = Field("https://localhost:8443/ingest", validation_alias="INGEST_PUBLIC_URL")

    # Intake and the bulk writer.
    backlog_max_entries: int = Field(100_000, validation_alias="INGEST_BACKLOG_MAX", ge=1)
    max_message_bytes: int = Field(8 * 1024 * 1024, validation_alias="INGEST_MAX_MESSAGE_BYTES")
    max_push_frames: int = Field(10_000, validation_alias="INGEST_MAX_PUSH_FRAMES", ge=1)
    bulk_writers: int = Field(2, validation_alias="INGEST_BULK_WRITERS", ge=0)
    bulk_entries: int = Field(200, validation_alias="INGEST_BULK_ENTRIES", ge=1)
    bulk_docs: int = Field(2_000, validation_alias="INGEST_BULK_DOCS", ge=1)
    claim_idle_ms: int = Field(60_000, validation_alias="INGEST_CLAIM_IDLE_MS", ge=1_000)
    # Child processes running the stream consumers (bulk writers, observer, forwarder); 0: in the
    # web process (ingest.workers).
    worker_processes: int = Field(2, validation_alias="INGEST_WORKER_PROCESSES", ge=0, le=4)
    # Their CPU priority (nice, added to the web process's): on a machine short of cores the web
    # process, which accepts the agents' frames, gets a core first; the durable intake backlog
    # absorbs what indexing cannot do at once.
    worker_nice: int = Field(10, validation_alias="INGEST_WORKER_NICE", ge=0, le=19)

    # Agents.
    command_timeout: float = Field(10.0, validation_alias="INGEST_COMMAND_TIMEOUT", gt=0)
    stream_logs: bool = Field(True, validation_alias="INGEST_STREAM_LOGS")

    # Background work.
    retention_interval: float = Field(3600.0, validation_alias="INGEST_RETENTION_INTERVAL", gt=0)
    metrics_api_url: str = Field("", validation_alias="INGEST_METRICS_API_URL")
    metrics_api_table: str = Field("raw_gauge", validation_alias="INGEST_METRICS_API_TABLE")
    # metrics-api's write token, sent as `Authorization: Bearer` by the forwarder.
    metrics_api_write_token: str = Field("", validation_alias="METRICS_API_WRITE_TOKEN")
    # Points per POST to metrics-api (its most is 10,000): metrics-api recomputes every rollup bin a
    # batch touches, reading the bin's points, once per batch, so with 1,000 agents' points in the
    # same few series small batches cost it (and Cassandra) that read over and over.
    forward_batch: int = Field(5_000, validation_alias="INGEST_FORWARD_BATCH", ge=1, le=10_000)

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def elasticsearch_hosts(self) -> list[str]:
        """KM_ELASTICSEARCH_URL is a space-separated list of host:port (scheme optional)."""
        hosts = []
        for host in self.elasticsearch_url.split():
            hosts.append(host if "://" in host else f"http://{host}")
        return hosts

    @property
    def smtp_endpoint(self) -> tuple[str, int]:
        """SMTP_HOST may carry its own port ("host:port"); SMTP_PORT otherwise."""
        host, sep, port = self.smtp_host.rpartition(":")
        if sep and port.isdigit() and host:
            return host, int(port)
        return self.smtp_host, self.smtp_port
