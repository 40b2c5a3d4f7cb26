"""Two leader instances on one folder (CONFIG_LEADER_INSTANCES=2) lose no accepted change.

Each instance is a SettingsStore of its own on the same platform.yml and history folder, as two
leader processes are. An instance killed (os._exit, as kill -9: no cleanup runs) between saving
platform.yml and recording the revision leaves a change on disk that no revision holds; the
gateway resends an idempotent PUT to the other instance, which then finds nothing to change. The
change must still reach the history, there or at the next change or start.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from config_leader.settings_store.service import SettingsStore

KILLED = 137


def make_store(root: Path) -> SettingsStore:
    return SettingsStore(
        platform_path=root / "platform.yml",
        history_folder=root / "history",
        data_folder=root / "data",
        internals={},
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data" / "web").mkdir(parents=True)
    (tmp_path / "data" / "web" / "app.json").write_text('{"port": PORT}')
    (tmp_path / "platform.yml").write_text("vars:\n  PORT: 80\n")
    make_store(tmp_path).record_initial()
    return tmp_path


def killed_after_saving(root: Path, changes: dict[str, object]) -> None:
    """Another process (instance 2) saves `changes` and dies before recording the revision."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from config_leader.settings_store.history import History
        from config_leader.settings_store.service import SettingsStore

        History.record = lambda *args, **kwargs: os._exit({KILLED})  # kill -9 just there
        root = Path({str(root)!r})
        SettingsStore(
            platform_path=root / "platform.yml", history_folder=root / "history",
            data_folder=root / "data", internals={{}},
        ).update({changes!r})
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert run.returncode == KILLED, run.stderr.decode()[-2000:]
    assert all(f"{name}:" in (root / "platform.yml").read_text() for name in changes)


def changed_names(store: SettingsStore) -> set[str]:
    return {name for revision in store.history.all() for name in revision.changes}


def test_a_put_resent_to_the_other_instance_after_a_kill_is_in_the_history(root: Path) -> None:
    survivor = make_store(root)
    survivor.snapshot()  # it has served reads before: its cache holds the old file
    killed_after_saving(root, {"ADDED": "v1"})

    revision, snapshot = survivor.update({"ADDED": "v1"})  # nginx's retry of the same PUT

    assert snapshot.settings["ADDED"] == "v1"
    assert "ADDED" in changed_names(survivor), [r.summary() for r in survivor.history.all()]
    assert revision is None  # the change was already saved: this PUT itself changes nothing
    assert survivor.history.latest() is not None
    assert survivor.history.latest().settings == snapshot.settings  # type: ignore[union-attr]


def test_the_next_change_on_the_other_instance_records_the_unrecorded_one_first(
    root: Path,
) -> None:
    survivor = make_store(root)
    killed_after_saving(root, {"ADDED": "v1"})

    revision, snapshot = survivor.update({"PORT": 81})

    assert revision is not None and revision.changes == {"PORT": {"from": 80, "to": 81}}
    found = survivor.history.get(revision.revision - 1)
    assert found is not None and found.changes == {"ADDED": {"to": "v1"}}
    assert snapshot.settings == {"PORT": 81, "ADDED": "v1"}


def test_a_rollback_and_a_restart_after_a_kill_record_it_too(root: Path) -> None:
    killed_after_saving(root, {"ADDED": "v1"})
    survivor = make_store(root)
    survivor.rollback(1)
    assert [r.changes for r in survivor.history.all()[1:]] == [
        {"ADDED": {"to": "v1"}},
        {"ADDED": {"from": "v1"}},
    ]
    killed_after_saving(root, {"AGAIN": 2})
    restarted = make_store(root).record_initial()
    assert restarted is not None and restarted.changes == {"AGAIN": {"to": 2}}


def test_interleaved_writes_of_two_instances_lose_nothing(root: Path) -> None:
    """Two instances (and a reader in each) write concurrently: every change is in the history
    and in platform.yml afterwards, each recorded once."""
    instances = [make_store(root), make_store(root)]
    names = [[f"I{i}_{k}" for k in range(15)] for i in range(2)]
    failures: list[BaseException] = []

    def writer(store: SettingsStore, mine: list[str]) -> None:
        try:
            for k, name in enumerate(mine):
                store.update({name: k})
                store.snapshot()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [
        threading.Thread(target=writer, args=pair) for pair in zip(instances, names, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    every = {name for mine in names for name in mine}
    settings = make_store(root).snapshot().settings
    assert every <= set(settings)
    recorded = [name for r in instances[0].history.all() for name in r.changes]
    assert sorted(n for n in recorded if n in every) == sorted(every)
