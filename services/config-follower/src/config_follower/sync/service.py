"""The follower's one job: fetch its files, apply them, run hooks; and remember what it did."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import httpx
from meridian_kit.errors import ServiceError, Unavailable
from meridian_kit.files import write_atomically

from config_follower.apply.safe_paths import UnsafePath
from config_follower.apply.writer import ApplyFailed, ApplyResult, apply_files
from config_follower.follower_config import FollowerConfig
from config_follower.hooks.runner import HookRun, run_hooks
from config_follower.leader_client.fetch import (
    Configuration,
    LeaderAnswerInvalid,
    LeaderError,
    fetch_from_any,
)

log = logging.getLogger("config_follower.sync")


def now() -> str:
    """The current time, ISO 8601 UTC."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class SyncReport:
    """What one sync did: files written or removed, how many were unchanged, the hooks run."""

    written: list[str]
    unchanged: int
    removed: list[str]
    hooks: list[HookRun]
    revision: int | None

    def as_json(self) -> dict[str, Any]:
        """The /notify answer."""
        return {
            "files": self.written,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "hooks": [run.as_json() for run in self.hooks],
            "revision": self.revision,
        }


@dataclass
class FollowerStatus:
    """What /status shows; the applied part is persisted across restarts."""

    last_fetch: dict[str, Any] | None = None
    last_apply: dict[str, Any] | None = None
    revision: int | None = None
    files: list[str] = field(default_factory=list)
    synced_since_start: bool = False
    # The files above were applied into this folder (None: a state saved before it was recorded).
    data_folder: str | None = None


def _as_service_error(exc: Exception) -> ServiceError:
    if isinstance(exc, LeaderError):
        return Unavailable(str(exc))
    if isinstance(exc, LeaderAnswerInvalid | UnsafePath):
        return ServiceError(f"leader sent unusable files: {exc}", status_code=502)
    return ServiceError(str(exc), status_code=500)


class Follower:
    """Serialises syncs and keeps their record."""

    def __init__(self, config: FollowerConfig, client: httpx.AsyncClient):
        self.config = config
        self.client = client
        self.lock = asyncio.Lock()
        self.status = FollowerStatus()
        self._load_state()

    def _load_state(self) -> None:
        try:
            saved = json.loads(self.config.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.status.revision = saved.get("revision")
        self.status.files = list(saved.get("files", []))
        self.status.last_apply = saved.get("lastApply")
        self.status.data_folder = saved.get("dataFolder")

    def _save_state(self) -> None:
        state = {
            "revision": self.status.revision,
            "files": self.status.files,
            "lastApply": self.status.last_apply,
            "dataFolder": self.status.data_folder,
        }
        try:
            write_atomically(self.config.state_file, json.dumps(state, indent=2).encode())
        except OSError:
            log.exception("could not save the follower state")

    def _applied_before(self) -> list[str]:
        """The files this follower applied into its dataFolder, which it may remove."""
        folder = str(self.config.data_folder)
        if self.status.data_folder not in (None, folder):
            log.warning(
                "files applied into another dataFolder are not removed",
                extra={"applied_into": self.status.data_folder, "data_folder": folder},
            )
            return []
        return self.status.files

    async def _remember(self, configuration: Configuration, result: ApplyResult) -> None:
        """Records an applied configuration in the status (and the state file when it changed)."""
        files = sorted(path for path, _ in configuration.files)
        news = (
            result.written
            or result.removed
            or configuration.revision != self.status.revision
            or files != self.status.files
            or self.status.data_folder != str(self.config.data_folder)
        )
        if news or self.status.last_apply is None:
            self.status.revision = configuration.revision
            self.status.files = files
            self.status.data_folder = str(self.config.data_folder)
            self.status.last_apply = {
                "at": now(),
                "written": result.written,
                "removed": result.removed,
            }
            await asyncio.to_thread(self._save_state)

    async def sync(self, reason: str, services: list[str] | None = None) -> SyncReport:
        """Fetches, applies and runs hooks (`services`: those a notify named); raises a
        ServiceError naming what failed."""
        async with self.lock:
            try:
                configuration = await fetch_from_any(
                    self.client, self.config.leader.urls, self.config.leader.auth
                )
            except (LeaderError, LeaderAnswerInvalid) as exc:
                self.status.last_fetch = {"at": now(), "ok": False, "error": str(exc)}
                raise _as_service_error(exc) from None
            self.status.last_fetch = {"at": now(), "ok": True, "error": None}
            try:
                result = await asyncio.to_thread(
                    apply_files,
                    self.config.data_folder,
                    configuration.files,
                    self._applied_before(),
                )
            except (UnsafePath, ApplyFailed) as exc:
                self.status.last_fetch = {"at": now(), "ok": False, "error": str(exc)}
                log.warning("apply refused", extra={"reason": reason, "error": str(exc)})
                raise _as_service_error(exc) from None
            await self._remember(configuration, result)
            hooks = await run_hooks(
                self.config.hooks,
                result.written,
                self.config.data_folder,
                result.removed,
                services,
            )
            # after the hooks: a follower says it has synced once what the sync changed is in use
            self.status.synced_since_start = True
        log.log(
            logging.INFO if result.written or result.removed else logging.DEBUG,
            "applied configuration",
            extra={
                "reason": reason,
                "revision": configuration.revision,
                "written": result.written,
                "removed": result.removed,
                "unchanged": result.unchanged,
                "services": services,
                "hooks": [(run.cmd, run.rc) for run in hooks],
            },
        )
        return SyncReport(
            result.written, result.unchanged, result.removed, hooks, configuration.revision
        )

    async def sync_at_start(self) -> None:
        """Syncs once, retrying with exponential backoff (and jitter) until it works."""
        delay = self.config.retry.initial_seconds
        while not self.status.synced_since_start:
            try:
                await self.sync("start")
                return
            except ServiceError as exc:
                log.warning(
                    "initial sync failed; serving the files applied before, retrying",
                    extra={"error": exc.message, "retry_in_seconds": round(delay, 2)},
                )
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.config.retry.max_seconds)

    def status_json(self) -> dict[str, Any]:
        """What /status shows."""
        return {
            "leader": self.config.leader.url,
            "lastFetch": self.status.last_fetch,
            "lastApply": self.status.last_apply,
            "revision": self.status.revision,
            "files": self.status.files,
            "syncedSinceStart": self.status.synced_since_start,
            "dataFolder": str(self.config.data_folder),
        }
