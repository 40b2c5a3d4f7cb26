"""The settings store: validated merges, atomic saves, numbered revisions, rollback."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_leader.settings_store.service import SettingsRefused, SettingsStore
from meridian_kit.errors import BadRequest, NotFound


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    (tmp_path / "data" / "web").mkdir(parents=True)
    (tmp_path / "data" / "web" / "app.json").write_text('{"port": PORT, "name": "NAME"}')
    (tmp_path / "platform.yml").write_text("# keep me\nvars:\n  PORT: 80\n  NAME: web\n")
    store = SettingsStore(
        platform_path=tmp_path / "platform.yml",
        history_folder=tmp_path / "history",
        data_folder=tmp_path / "data",
        internals={"TOKEN": "t", "NAME": "overridden"},
    )
    store.record_initial()
    return store


def test_initial_revision_and_platform_vars_overlay_internals(store: SettingsStore) -> None:
    assert store.snapshot().revision == 1
    assert store.variables() == {"TOKEN": "t", "NAME": "web", "PORT": 80}
    assert store.record_initial() is None


def test_update_records_a_revision_with_what_changed(store: SettingsStore) -> None:
    revision, snapshot = store.update({"PORT": 8080, "EXTRA": [1]})
    assert revision is not None and revision.revision == 2
    assert revision.changes == {"EXTRA": {"to": [1]}, "PORT": {"from": 80, "to": 8080}}
    assert snapshot.settings == {"PORT": 8080, "NAME": "web", "EXTRA": [1]}
    assert "# keep me" in store.platform_path.read_text()
    same, _ = store.update({"PORT": 8080})
    assert same is None
    assert [r.revision for r in store.history.all()] == [1, 2]


def test_update_that_breaks_a_template_is_refused_and_nothing_is_saved(
    store: SettingsStore,
) -> None:
    before = store.platform_path.read_text()
    with pytest.raises(SettingsRefused) as refused:
        store.update({"PORT": "not json"})
    assert refused.value.detail[0].startswith("/web/app.json: invalid after rendering")
    with pytest.raises(SettingsRefused, match="2 template error"):
        store.update({"PORT": "LOOP", "LOOP": "PORT"})
    with pytest.raises(BadRequest, match="invalid variable names: 'bad name'"):
        store.update({"bad name": 1})
    assert store.platform_path.read_text() == before
    assert store.snapshot().revision == 1
    assert store.snapshot().settings == {"PORT": 80, "NAME": "web"}


def test_rollback_restores_an_old_revision_as_a_new_one(store: SettingsStore) -> None:
    store.update({"PORT": 1, "ADDED": "x"})
    store.update({"PORT": 2})
    revision, snapshot = store.rollback(1)
    assert revision is not None and revision.revision == 4 and revision.rollback_of == 1
    assert snapshot.settings == {"PORT": 80, "NAME": "web"}
    assert revision.changes == {"ADDED": {"from": "x"}, "PORT": {"from": 2, "to": 80}}
    with pytest.raises(NotFound, match="no revision 99"):
        store.rollback(99)


def test_hand_edits_to_platform_yml_are_recorded_at_start(store: SettingsStore) -> None:
    store.platform_path.write_text("vars:\n  PORT: 81\n  NAME: web\n")
    revision = store.record_initial()
    assert revision is not None and revision.action == "edited on disk"
    assert revision.changes == {"PORT": {"from": 80, "to": 81}}
