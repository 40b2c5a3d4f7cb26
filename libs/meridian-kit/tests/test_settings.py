"""load_settings stops the process with one line naming everything missing or invalid."""

from __future__ import annotations

import pytest
from meridian_kit.settings import load_settings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Example(BaseSettings):
    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    url: str = Field(validation_alias="EXAMPLE_URL")
    token: str = Field(validation_alias="EXAMPLE_TOKEN")
    port: int = Field(80, validation_alias="EXAMPLE_PORT")


def test_missing_settings_are_named_on_one_line(monkeypatch, capsys) -> None:
    for key in ("EXAMPLE_URL", "EXAMPLE_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("EXAMPLE_PORT", "eighty")
    with pytest.raises(SystemExit) as stop:
        load_settings("example", Example)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.startswith("example: missing required settings: EXAMPLE_URL, EXAMPLE_TOKEN")
    assert "EXAMPLE_PORT" in err


def test_settings_load_from_env(monkeypatch) -> None:
    monkeypatch.setenv("EXAMPLE_URL", "http://x")
    monkeypatch.setenv("EXAMPLE_TOKEN", "t")
    settings = load_settings("example", Example)
    assert (settings.url, settings.token, settings.port) == ("http://x", "t", 80)
