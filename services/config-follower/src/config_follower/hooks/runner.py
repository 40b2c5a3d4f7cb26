"""Running hooks: each once per apply if a changed (written or removed) file matches its globs.

Globs match the path relative to dataFolder without its leading "/": `*` stays inside one
folder, `**` spans folders (`nginx/**`, `**/*.conf`), hidden files match too.

A notify may name services (`{"services": ["core"]}`, as the original leader forwards them). Then
a hook with a `services` list runs if, and only if, it names one of them (whether or not its
files changed: the operator asked for it), and a hook without one keeps the file rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wcmatch import glob

from config_follower.follower_config import HookConfig

log = logging.getLogger("config_follower.hooks")

GLOB_FLAGS = glob.GLOBSTAR | glob.DOTGLOB


def matching_files(hook: HookConfig, changed: Sequence[str]) -> list[str]:
    """The changed leader paths that match the hook's globs."""
    patterns = [p.lstrip("/") for p in hook.patterns]
    return [
        path for path in changed if glob.globmatch(path.lstrip("/"), patterns, flags=GLOB_FLAGS)
    ]


@dataclass
class HookRun:
    """What one hook did."""

    cmd: list[str]
    rc: int | None
    files: list[str]
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The run as reported by /notify."""
        body: dict[str, Any] = {"cmd": self.cmd, "rc": self.rc, "files": self.files}
        if self.error:
            body["error"] = self.error
        return body


async def run_hook(
    hook: HookConfig,
    files: list[str],
    data_folder: Path,
    removed: Sequence[str] = (),
    services: Sequence[str] = (),
) -> HookRun:
    """Runs one hook in dataFolder with CONFIG_CHANGED_FILES (and CONFIG_REMOVED_FILES,
    CONFIG_SERVICES: the services the notify named) set."""
    env = {
        **os.environ,
        "CONFIG_CHANGED_FILES": "\n".join(files),
        "CONFIG_REMOVED_FILES": "\n".join(path for path in files if path in removed),
        "CONFIG_SERVICES": "\n".join(services),
    }
    try:
        process = await asyncio.create_subprocess_exec(
            *hook.run,
            cwd=data_folder,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as exc:
        return HookRun(hook.run, None, files, f"cannot start: {exc.strerror or exc}")
    try:
        async with asyncio.timeout(hook.timeout_seconds):  # wait_for drops a cancellation (3.11)
            output, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return HookRun(
            hook.run, process.returncode, files, f"killed after {hook.timeout_seconds:g}s"
        )
    text = output.decode("utf-8", "replace").strip()
    level = logging.INFO if process.returncode == 0 else logging.WARNING
    log.log(
        level, "hook ran", extra={"cmd": hook.run, "rc": process.returncode, "output": text[-2000:]}
    )
    error = None if process.returncode == 0 else (text[-500:] or "non-zero exit")
    return HookRun(hook.run, process.returncode, files, error)


def named_services(hook: HookConfig, services: Sequence[str] | None) -> list[str] | None:
    """The notified services this hook is for; None when the file rule decides."""
    if services is None or hook.services is None:
        return None
    return [name for name in services if name in hook.services]


async def run_hooks(
    hooks: Sequence[HookConfig],
    written: Sequence[str],
    data_folder: Path,
    removed: Sequence[str] = (),
    services: Sequence[str] | None = None,
) -> list[HookRun]:
    """Runs, in order, every hook with a matching written or removed file, or (when the notify
    names services) every hook naming one of them."""
    runs = []
    for hook in hooks:
        files = matching_files(hook, [*written, *removed])
        named = named_services(hook, services)
        if named is None and files:
            runs.append(await run_hook(hook, files, data_folder, removed, services or ()))
        elif named:
            runs.append(await run_hook(hook, files, data_folder, removed, named))
    return runs
