"""config-leader's settings: where its config-leader.json is."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """CONFIG_LEADER_CONFIG names config-leader.json (also `--config`)."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    config: Path = Field(validation_alias="CONFIG_LEADER_CONFIG")
