"""config-follower's settings: where its config-follower.json is."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """CONFIG_FOLLOWER_CONFIG names config-follower.json (also `--config`)."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    config: Path = Field(validation_alias="CONFIG_FOLLOWER_CONFIG")
