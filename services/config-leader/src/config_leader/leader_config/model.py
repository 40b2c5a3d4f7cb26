"""The shape of config-leader.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meridian_kit.json_config import http_url
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config_leader.rendering.substitution import is_variable_name


class HttpConfig(BaseModel):
    """Where the leader listens (command-line flags and HOST/PORT win)."""

    ip: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)


class FollowerEntry(BaseModel):
    """A follower: where its /notify is and which role's files it gets."""

    url: str
    role: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        return http_url(url)

    @field_validator("role")
    @classmethod
    def _plain_role(cls, role: str) -> str:
        if not role or role in {".", ".."} or "/" in role or "\\" in role or "\0" in role:
            raise ValueError("must be a folder name under dataFolder (no '/', not '..')")
        return role


class NotifyConfig(BaseModel):
    """How /admin/notify calls followers."""

    model_config = ConfigDict(populate_by_name=True)

    timeout_seconds: float = Field(default=10.0, gt=0, alias="timeoutSeconds")


class CorsConfig(BaseModel):
    """Browser origins allowed to call the admin API ("*" for any)."""

    origins: list[str] = []


class LeaderConfig(BaseModel):
    """config-leader.json, 1.0.5's form or the newest one; relative paths are relative to the
    file's folder.

    The newest original names the templates folder `templatesPath` and platform.yml
    `platformSettings.platformConfig`; both are read as `dataFolder` and `platformConfig`
    (the newest names win when a file has both).
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    http: HttpConfig = HttpConfig()
    data_folder: Path = Field(alias="dataFolder")
    platform_config: Path | None = Field(default=None, alias="platformConfig")
    history_folder: Path | None = Field(default=None, alias="historyFolder")
    internals: dict[str, Any] = {}
    admin_key: str | None = Field(default=None, alias="adminKey")
    followers: dict[str, FollowerEntry] = {}
    notify: NotifyConfig = NotifyConfig()
    cors: CorsConfig = CorsConfig()

    @model_validator(mode="before")
    @classmethod
    def _newest_names(cls, raw: Any) -> Any:
        """templatesPath and platformSettings.platformConfig (the newest form) win."""
        if not isinstance(raw, dict):
            return raw
        if isinstance(raw.get("templatesPath"), str):
            raw = {**raw, "dataFolder": raw["templatesPath"]}
        if isinstance(raw.get("platformSettings"), dict):
            newest = raw["platformSettings"].get("platformConfig")
            if isinstance(newest, str):
                raw = {**raw, "platformConfig": newest}
        return raw

    @field_validator("internals")
    @classmethod
    def _identifier_names(cls, internals: dict[str, Any]) -> dict[str, Any]:
        bad = [name for name in internals if not is_variable_name(name)]
        if bad:
            raise ValueError(
                "names must be identifiers ([A-Za-z_][A-Za-z0-9_]*): " + ", ".join(bad)
            )
        return internals

    @field_validator("admin_key")
    @classmethod
    def _no_empty_key(cls, key: str | None) -> str | None:
        return key or None

    @field_validator("followers")
    @classmethod
    def _no_empty_follower_key(
        cls, followers: dict[str, FollowerEntry]
    ) -> dict[str, FollowerEntry]:
        if "" in followers:
            raise ValueError("a follower key must not be empty")
        return followers

    def resolve_paths(self, config_file: Path) -> LeaderConfig:
        """Makes dataFolder, platformConfig and historyFolder absolute, with their defaults."""
        base = config_file.parent
        data = (base / self.data_folder).resolve()
        platform = (base / (self.platform_config or Path("platform.yml"))).resolve()
        history = (
            (base / self.history_folder).resolve()
            if self.history_folder
            else (platform.parent / f"{platform.stem}-history")
        )
        return self.model_copy(
            update={"data_folder": data, "platform_config": platform, "history_folder": history}
        )

    @property
    def platform_path(self) -> Path:
        """platform.yml, once resolve_paths() ran."""
        assert self.platform_config is not None
        return self.platform_config

    @property
    def history_path(self) -> Path:
        """The revisions folder, once resolve_paths() ran."""
        assert self.history_folder is not None
        return self.history_folder
