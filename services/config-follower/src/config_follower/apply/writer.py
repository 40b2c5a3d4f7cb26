"""Applying a set of files all or nothing: check every path, stage changed files, then swap.

1. Every path is checked first (safe_paths); one unsafe path refuses the whole set.
2. Files whose bytes are unchanged are left alone (not rewritten, mtime kept).
3. Each changed file is written to a temp file beside its target and fsynced.
4. Only when every temp file is ready are they renamed into place; an existing target is
   first hard-linked to a backup so a failing rename can put every earlier one back.
A failure before step 4 leaves the previous files untouched; a failure during step 4 restores
them from the backups.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from config_follower.apply.safe_paths import target_path

log = logging.getLogger("config_follower.apply")

NEW_FILE_MODE = 0o640


class ApplyFailed(Exception):
    """The set could not be written; the previous files are intact."""


@dataclass
class ApplyResult:
    """Which leader paths were written and how many were already up to date."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Staged:
    path: str
    target: Path
    temp: Path
    backup: Path | None = None
    swapped: bool = False


def _same_content(target: Path, content: bytes) -> bool:
    try:
        if target.stat().st_size != len(content):
            return False
        return target.read_bytes() == content
    except FileNotFoundError:
        return False


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_folders(folder: Path, created: list[Path]) -> None:
    missing = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        missing.append(parent)
    for parent in reversed(missing):
        parent.mkdir()
        created.append(parent)


def _stage(path: str, target: Path, content: bytes, created: list[Path]) -> _Staged:
    _make_folders(target.parent, created)
    mode = target.stat().st_mode & 0o777 if target.exists() else NEW_FILE_MODE
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return _Staged(path, target, Path(temp))


def _discard(staged: list[_Staged], created: list[Path]) -> None:
    for item in staged:
        with contextlib.suppress(FileNotFoundError):
            item.temp.unlink()
        if item.backup is not None:
            with contextlib.suppress(FileNotFoundError):
                item.backup.unlink()
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _undo_swaps(staged: list[_Staged]) -> None:
    for item in staged:
        if not item.swapped:
            continue
        try:
            if item.backup is not None:
                os.replace(item.backup, item.target)
                item.backup = None
            else:
                item.target.unlink()
        except OSError:
            log.exception("could not restore %s after a failed apply", item.path)


def apply_files(data_folder: Path, files: Iterable[tuple[str, bytes]]) -> ApplyResult:
    """Writes the changed files of the set into dataFolder, all or nothing."""
    checked = [(path, target_path(data_folder, path), content) for path, content in files]
    result = ApplyResult()
    changed = []
    staged: list[_Staged] = []
    created: list[Path] = []
    try:
        for path, target, content in checked:
            if _same_content(target, content):
                result.unchanged += 1
            else:
                changed.append((path, target, content))
        for path, target, content in changed:
            staged.append(_stage(path, target, content, created))
        for item in staged:
            if item.target.exists():
                item.backup = item.temp.with_suffix(".old")
                os.link(item.target, item.backup)
            os.replace(item.temp, item.target)
            item.swapped = True
        for folder in {item.target.parent for item in staged}:
            _fsync_folder(folder)
    except OSError as exc:
        _undo_swaps(staged)
        _discard(staged, created)
        where = f": {exc.filename}" if exc.filename else ""
        raise ApplyFailed(
            f"writing files failed, previous files kept: {exc.strerror}{where}"
        ) from exc
    _discard([item for item in staged if item.backup is not None], [])
    result.written = [item.path for item in staged]
    return result
