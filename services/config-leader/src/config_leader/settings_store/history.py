"""Numbered revisions of the platform variables, one JSON file each in the history folder."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from meridian_kit.files import write_atomically

REVISION_FILE = re.compile(r"^(\d{6,})\.json$")


@dataclass
class Revision:
    """One saved state of the variables: when, why, what changed, and the whole set."""

    revision: int
    at: str
    action: str
    changes: dict[str, dict[str, Any]]
    settings: dict[str, Any] = field(repr=False)
    rollback_of: int | None = None

    def summary(self) -> dict[str, Any]:
        """The revision without its full settings (for the history list)."""
        body: dict[str, Any] = {
            "revision": self.revision,
            "at": self.at,
            "action": self.action,
            "changes": self.changes,
        }
        if self.rollback_of is not None:
            body["rollbackOf"] = self.rollback_of
        return body


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per changed variable: {"from": old, "to": new}; "from" absent if added, "to" if removed."""
    changes: dict[str, dict[str, Any]] = {}
    for name in sorted(set(before) | set(after)):
        if name in before and name in after and before[name] == after[name]:
            continue
        change: dict[str, Any] = {}
        if name in before:
            change["from"] = before[name]
        if name in after:
            change["to"] = after[name]
        changes[name] = change
    return changes


class History:
    """The revisions folder; callers hold the store's lock while recording."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._listed: tuple[int, list[int]] | None = None

    def numbers(self, *, fresh: bool = False) -> list[int]:
        """Every recorded revision number, ascending (re-listed when the folder changed)."""
        try:
            stamp = self.folder.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        # Like git's "racily clean" rule: a listing is only reused once the folder's mtime is
        # over a second old, since a revision added within the same timestamp tick is invisible.
        settled = time.time_ns() - stamp > 1_000_000_000
        if fresh or not settled or self._listed is None or self._listed[0] != stamp:
            found = (REVISION_FILE.match(p.name) for p in self.folder.iterdir())
            self._listed = (stamp, sorted(int(m.group(1)) for m in found if m))
        return list(self._listed[1])

    def latest_number(self) -> int:
        """The newest revision number, 0 before the first."""
        numbers = self.numbers()
        return numbers[-1] if numbers else 0

    def get(self, number: int) -> Revision | None:
        """One revision, or None."""
        path = self.folder / f"{number:06d}.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Revision(
            revision=raw["revision"],
            at=raw["at"],
            action=raw["action"],
            changes=raw["changes"],
            settings=raw["settings"],
            rollback_of=raw.get("rollback_of"),
        )

    def latest(self, *, fresh: bool = False) -> Revision | None:
        """The newest revision, or None before the first (`fresh`: listed now, under the lock)."""
        numbers = self.numbers(fresh=fresh)
        return self.get(numbers[-1]) if numbers else None

    def all(self) -> list[Revision]:
        """Every revision, oldest first."""
        return [r for r in (self.get(n) for n in self.numbers()) if r is not None]

    def page(self, *, after: int, limit: int) -> list[Revision]:
        """At most `limit` revisions numbered after `after`, oldest first (reads only those)."""
        numbers = [n for n in self.numbers() if n > after][:limit]
        return [r for r in (self.get(n) for n in numbers) if r is not None]

    def record(
        self,
        *,
        action: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        rollback_of: int | None = None,
    ) -> Revision:
        """Saves a new revision numbered after the latest."""
        numbers = self.numbers(fresh=True)  # never trust a listing cached within one mtime tick
        revision = Revision(
            revision=(numbers[-1] + 1) if numbers else 1,
            at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            action=action,
            changes=diff(before, after),
            settings=dict(after),
            rollback_of=rollback_of,
        )
        data = json.dumps(asdict(revision), indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.folder / f"{revision.revision:06d}.json", data.encode(), mode=0o600)
        self._listed = None
        return revision
