"""analytics' settings, under the memex logging service's env names."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """EL_* for Elasticsearch, APIKEY for clients, CELERY_* for the job broker."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    el_host: str = Field(validation_alias="EL_HOST")
    el_port: int = Field(9200, validation_alias="EL_PORT")
    el_username: str | None = Field(None, validation_alias="EL_USERNAME")
    el_password: str | None = Field(None, validation_alias="EL_PASSWORD")
    apikey: str = Field(validation_alias="APIKEY")
    broker_url: str = Field(validation_alias="CELERY_BROKER_URL")
    result_backend: str | None = Field(None, validation_alias="CELERY_RESULT_BACKEND")
    cardinality_precision_threshold: int = Field(
        40000, validation_alias="CARDINALITY_PRECISION_THRESHOLD"
    )
    migration_folder: str | None = Field(None, validation_alias="MIGRATION_FOLDER")
    migration_manager_index: str = Field("migrations", validation_alias="MIGRATION_MANAGER_INDEX")
    # Not in the original: lets several deployments (or test runs) share one cluster and one Redis.
    index_prefix: str = Field("", validation_alias="ANALYTICS_INDEX_PREFIX")
    queue: str = Field("analytics", validation_alias="ANALYTICS_QUEUE")
    redis_key_prefix: str = Field("", validation_alias="ANALYTICS_REDIS_PREFIX")
    retry_delay: float = Field(30.0, validation_alias="ANALYTICS_RETRY_DELAY")
    max_retries: int = Field(5, validation_alias="ANALYTICS_MAX_RETRIES")
    schedule_hour: int = Field(4, validation_alias="ANALYTICS_SCHEDULE_HOUR")
    es_timeout: float = Field(30.0, validation_alias="ANALYTICS_ES_TIMEOUT")
    # A queued job's marker lives at most this long (frees it if the job was never sent).
    queued_ttl: int = Field(3600, ge=1, validation_alias="ANALYTICS_QUEUED_TTL")
    # POST /analytic/compute: at most this many calls per window, across every instance (0: off).
    compute_rate_limit: int = Field(10, ge=0, validation_alias="ANALYTICS_COMPUTE_RATE_LIMIT")
    compute_rate_window: int = Field(60, ge=1, validation_alias="ANALYTICS_COMPUTE_RATE_WINDOW")
    # The fan-out over every analytic (or a window type's) runs at most once per this many seconds.
    compute_all_cooldown: int = Field(60, ge=0, validation_alias="ANALYTICS_COMPUTE_ALL_COOLDOWN")
    # Task and transaction analytics: the task manager (the original's API shape) and its key.
    task_manager_url: str | None = Field(None, validation_alias="TASK_MANAGER_URL")
    task_manager_apikey: str | None = Field(None, validation_alias="TASK_MANAGER_APIKEY")
    task_manager_timeout: float = Field(30.0, gt=0, validation_alias="TASK_MANAGER_TIMEOUT")

    @field_validator("apikey")
    @classmethod
    def _not_placeholder(cls, value: str) -> str:
        if not value.strip() or value.strip().lower() in {"changeme", "secret", "apikey"}:
            raise ValueError("must be set to a real secret")
        return value

    @field_validator("cardinality_precision_threshold")
    @classmethod
    def _at_most_40000(cls, value: int) -> int:
        if not 0 < value <= 40000:
            raise ValueError("must be between 1 and 40000")
        return value

    @field_validator("index_prefix")
    @classmethod
    def _lowercase_prefix(cls, value: str) -> str:
        if value != value.lower() or any(c in value for c in ' "*\\<|,>/?#:'):
            raise ValueError("must be lowercase, without spaces, commas, wildcards or slashes")
        return value

    @field_validator("task_manager_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def elasticsearch_url(self) -> str:
        """EL_HOST may carry a scheme; the port always comes from EL_PORT."""
        return self.elasticsearch_urls[0]

    @property
    def elasticsearch_urls(self) -> list[str]:
        """EL_HOST may name a cluster's nodes, comma-separated; each gets EL_PORT."""
        hosts = [h.strip() for h in self.el_host.split(",") if h.strip()]
        return [f"{h if '://' in h else f'http://{h}'}:{self.el_port}" for h in hosts]
