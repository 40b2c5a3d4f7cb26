"""config-follower.json: where the leader is, where files go, which hooks run."""

from __future__ import annotations

from pathlib import Path

from meridian_kit.json_config import http_url, read_json_object, validate_config
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


class ConfigError(Exception):
    """config-follower.json is missing or invalid; the message names the problem."""


class HttpConfig(BaseModel):
    """Where the follower listens (command-line flags and HOST/PORT win)."""

    ip: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)


class LeaderConfig(BaseModel):
    """The leader's URL and this follower's key (sent as Authorization, expected on /notify).
    `url` may list several instances of the leader, space-separated: each fetch tries them in turn."""

    url: str
    auth: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        return " ".join(http_url(one) for one in url.split() or [url])

    @property
    def urls(self) -> list[str]:
        """The leader's instances, in the order they are tried."""
        return self.url.split()


class PathsConfig(BaseModel):
    """Where the files go; relative to the config file's folder."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    data_folder: Path = Field(alias="dataFolder")
    state_file: Path | None = Field(default=None, alias="stateFile")


class HookConfig(BaseModel):
    """Runs `run` (an argv list, no shell) once after any changed file matches `match`; with
    `services`, a notify naming services runs it iff it names one of these."""

    model_config = ConfigDict(populate_by_name=True)

    match: str | list[str] = []
    run: list[str] = Field(min_length=1)
    services: list[str] | None = None
    timeout_seconds: float = Field(default=60.0, gt=0, alias="timeoutSeconds")

    @model_validator(mode="after")
    def _runs_on_something(self) -> HookConfig:
        if not self.patterns and not self.services:
            raise ValueError("a hook needs `match` globs or `services` names (else it never runs)")
        return self

    @property
    def patterns(self) -> list[str]:
        """The globs as a list."""
        return [self.match] if isinstance(self.match, str) else list(self.match)


class RetryConfig(BaseModel):
    """Backoff while the leader is unreachable at start."""

    model_config = ConfigDict(populate_by_name=True)

    initial_seconds: float = Field(default=0.5, gt=0, alias="initialSeconds")
    max_seconds: float = Field(default=30.0, gt=0, alias="maxSeconds")


class FollowerConfig(BaseModel):
    """config-follower.json."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    http: HttpConfig = HttpConfig()
    leader: LeaderConfig
    paths: PathsConfig
    hooks: list[HookConfig] = []
    retry: RetryConfig = RetryConfig()
    fetch_timeout_seconds: float = Field(default=10.0, gt=0, alias="fetchTimeoutSeconds")

    @property
    def data_folder(self) -> Path:
        """dataFolder (absolute once loaded)."""
        return self.paths.data_folder

    @property
    def state_file(self) -> Path:
        """Where what was applied last is remembered (absolute once loaded)."""
        assert self.paths.state_file is not None
        return self.paths.state_file


def load_config(path: Path) -> FollowerConfig:
    """Reads config-follower.json; relative paths become absolute from its folder."""
    raw = read_json_object(path, ConfigError)
    config = validate_config(path, raw, FollowerConfig, error=ConfigError)
    base = path.parent
    data = (base / config.paths.data_folder).resolve()
    state = (
        (base / config.paths.state_file).resolve()
        if config.paths.state_file
        else path.with_name(path.stem + ".state.json").resolve()
    )
    paths = config.paths.model_copy(update={"data_folder": data, "state_file": state})
    return config.model_copy(update={"paths": paths})
