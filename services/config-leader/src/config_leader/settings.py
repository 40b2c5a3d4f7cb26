"""config-leader's settings: where its config-leader.json is, and the first operator."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config_leader.operators.passwords import password_problem


class Settings(BaseSettings):
    """CONFIG_LEADER_CONFIG names config-leader.json (also `--config`).

    MERIDIAN_ADMIN_USER / MERIDIAN_ADMIN_PASSWORD: the first operator, created with every
    permission at start when no operator has that name (kept afterwards: a password changed
    through the API stays changed).
    """

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    config: Path = Field(validation_alias="CONFIG_LEADER_CONFIG")
    admin_user: str | None = Field(None, validation_alias="MERIDIAN_ADMIN_USER")
    admin_password: str | None = Field(None, validation_alias="MERIDIAN_ADMIN_PASSWORD", repr=False)

    @model_validator(mode="after")
    def _first_operator_complete(self) -> Settings:
        if self.admin_user and not self.admin_password:
            raise ValueError("MERIDIAN_ADMIN_USER is set: MERIDIAN_ADMIN_PASSWORD is needed too")
        if self.admin_user and self.admin_password:
            problem = password_problem(self.admin_password)
            if problem:
                raise ValueError(f"MERIDIAN_ADMIN_PASSWORD: {problem}")
        return self
