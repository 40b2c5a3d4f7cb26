"""Reading and changing the platform variables: validated, saved atomically, one revision each."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meridian_kit.errors import BadRequest, NotFound
from meridian_kit.files import folder_lock, write_atomically

from config_leader.rendering.service import check_all_roles
from config_leader.rendering.substitution import is_variable_name
from config_leader.rendering.templates import YAML_WARNING
from config_leader.settings_store.history import History, Revision
from config_leader.settings_store.platform_file import (
    dump_document,
    flatten,
    grouped_view,
    load_document,
    remove_values,
    set_values,
    to_plain,
)

log = logging.getLogger("config_leader.settings")


@dataclass
class Snapshot:
    """The variables as platform.yml holds them now, with the revision they belong to."""

    revision: int
    settings: dict[str, Any]
    groups: dict[str, Any] | None


@dataclass
class Edit:
    """A change planned from the current variables: values to set, names to remove, the group
    of each new name, and the history's action."""

    changes: dict[str, Any]
    removals: list[str] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)
    action: str = "update"


class SettingsRefused(BadRequest):
    """New variables under which some template does not render."""


class SettingsStore:
    """platform.yml plus its history; every write holds a lock shared by all processes."""

    def __init__(
        self,
        *,
        platform_path: Path,
        history_folder: Path,
        data_folder: Path,
        internals: Mapping[str, Any],
    ):
        self.platform_path = platform_path
        self.history = History(history_folder)
        self.data_folder = data_folder
        self.internals = dict(internals)
        self._cached: tuple[tuple[int, int, int], Any, dict[str, Any]] | None = None

    def _read_fresh(self) -> tuple[Any, dict[str, Any]]:
        """The document and its flat variables read from the file now, bypassing the cache (what
        a change starts from under the lock: another thread of this process may be refilling the
        cache from a file read before another instance's write)."""
        document = load_document(self.platform_path)
        return document, flatten(document, self.platform_path)

    def _read(self) -> tuple[Any, dict[str, Any]]:
        """The document and its flat variables, re-read only when the file changed (reads only;
        the cached document is never edited)."""
        try:
            stat = self.platform_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = (0, 0, 0)
        if self._cached is None or self._cached[0] != stamp:
            document = load_document(self.platform_path)
            self._cached = (stamp, document, flatten(document, self.platform_path))
        return self._cached[1], dict(self._cached[2])

    def variables(self) -> dict[str, Any]:
        """What templates are rendered with: internals overlaid by platform variables."""
        return {**self.internals, **self._read()[1]}

    def snapshot(self) -> Snapshot:
        """The current variables and revision number."""
        document, flat = self._read()
        return Snapshot(self.history.latest_number(), flat, grouped_view(document))

    def record_initial(self) -> Revision | None:
        """At start: records revision 1, or a revision for edits made to platform.yml by hand."""
        with folder_lock(self.history.folder):
            return self._record_unrecorded(self._read_fresh()[1])

    def _record_unrecorded(self, flat: dict[str, Any]) -> Revision | None:
        """Under the lock: a revision for what platform.yml holds that the newest revision does
        not (None if they agree). Saving platform.yml and recording its revision are two writes:
        an instance killed between them leaves a saved change with no revision, which the next
        change or start of any instance records here. A hand edit is recorded the same way."""
        latest = self.history.latest(fresh=True)
        if latest is None:
            return self.history.record(action="initial", before={}, after=flat)
        if latest.settings == flat:
            return None
        log.warning(
            "platform.yml holds changes no revision recorded (edited by hand, or an instance "
            "stopped between saving and recording): recording them as revision %d",
            latest.revision + 1,
        )
        return self.history.record(action="edited on disk", before=latest.settings, after=flat)

    def _new_problems(self, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
        """Errors with the new values, and files that parsed before but not with them."""
        check = check_all_roles(data_folder=self.data_folder, variables={**self.internals, **after})
        if not check.warnings:
            return check.errors
        earlier = check_all_roles(
            data_folder=self.data_folder, variables={**self.internals, **before}
        )
        broken_before = {warning.split(": ", 1)[0] for warning in earlier.warnings}
        newly_broken = [
            warning.replace(YAML_WARNING, ": invalid after rendering: ", 1)
            for warning in check.warnings
            if warning.split(": ", 1)[0] not in broken_before
        ]
        return check.errors + newly_broken

    def _save(
        self, document: Any, *, action: str, before: dict[str, Any], rollback_of: int | None = None
    ) -> Revision:
        after = flatten(document, self.platform_path)
        errors = self._new_problems(before, after)
        if errors:
            raise SettingsRefused(
                f"settings refused: {len(errors)} template error(s) with these values",
                detail=errors,
            )
        write_atomically(self.platform_path, dump_document(document))
        self._cached = None
        return self.history.record(
            action=action, before=before, after=after, rollback_of=rollback_of
        )

    def update(
        self, changes: Mapping[str, Any], groups: Mapping[str, str] | None = None
    ) -> tuple[Revision | None, Snapshot]:
        """Merges variables in, renders every role, saves and records; None when nothing changed."""
        bad = [name for name in changes if not is_variable_name(name)]
        if bad:
            raise BadRequest(
                "invalid variable names: " + ", ".join(repr(n) for n in bad),
                detail={"names": bad, "rule": "[A-Za-z_][A-Za-z0-9_]*"},
            )
        changes = {name: to_plain(value) for name, value in changes.items()}
        with folder_lock(self.history.folder):
            document, before = self._read_fresh()
            self._record_unrecorded(before)
            if all(name in before and before[name] == value for name, value in changes.items()):
                return None, self.snapshot()
            set_values(document, changes, groups)
            revision = self._save(document, action="update", before=before)
        return revision, self.snapshot()

    def rollback(self, number: int) -> tuple[Revision | None, Snapshot]:
        """Restores the variables of revision `number` as a new revision (None if identical)."""
        with folder_lock(self.history.folder):
            target = self.history.get(number)
            if target is None:
                raise NotFound(f"no revision {number}", detail={"revision": number})
            document, before = self._read_fresh()
            self._record_unrecorded(before)
            if before == target.settings:
                return None, self.snapshot()
            remove_values(document, [name for name in before if name not in target.settings])
            set_values(document, target.settings)
            revision = self._save(document, action="rollback", before=before, rollback_of=number)
        return revision, self.snapshot()

    def apply_edit(
        self, plan: Callable[[dict[str, Any]], Edit]
    ) -> tuple[Revision | None, Snapshot]:
        """Plans an edit from the current variables under the lock, then validates, saves and
        records it like update() (None when it changes nothing). Migrations use it."""
        with folder_lock(self.history.folder):
            document, before = self._read_fresh()
            self._record_unrecorded(before)
            edit = plan(dict(before))
            changes = {name: to_plain(value) for name, value in edit.changes.items()}
            if not edit.removals and all(
                name in before and before[name] == value for name, value in changes.items()
            ):
                return None, self.snapshot()
            remove_values(document, edit.removals)
            set_values(document, changes, edit.groups)
            revision = self._save(document, action=edit.action, before=before)
        return revision, self.snapshot()

    def revision(self, number: int) -> Revision:
        """One revision, with its full settings."""
        found = self.history.get(number)
        if found is None:
            raise NotFound(f"no revision {number}", detail={"revision": number})
        return found
