"""Applying a set of files all or nothing: check every path, stage changed files, then swap.

1. Every path is checked first (safe_paths); one unsafe path refuses the whole set.
2. Files whose bytes are unchanged are left alone (not rewritten, mtime kept).
3. Files applied before that the set no longer has (`previous`, the follower's own record) are
   removed, each first hard-linked to a backup. Only regular files at those paths inside
   dataFolder are touched; folders stay.
4. Each changed file is written to a temp file beside its target and fsynced.
5. Only when every temp file is ready are they renamed into place; an existing target is
   first hard-linked to a backup so a failing rename can put every earlier one back.
A failure at any step puts back every file removed or replaced, from the backups.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from meridian_kit.files import sync_folder

from config_follower.apply.safe_paths import UnsafePath, relative_path, target_path

log = logging.getLogger("config_follower.apply")

NEW_FILE_MODE = 0o640
SECRET_FILE_MODE = 0o600


def is_secret(path: str) -> bool:
    """TLS keys and everything under a `secret/` folder (`nginx/conf/secret/`): owner only."""
    parts = path.strip("/").split("/")
    name = parts[-1]
    return "secret" in parts[:-1] or name.endswith(("-key.pem", ".key"))


class ApplyFailed(Exception):
    """The set could not be written; the previous files are intact."""


@dataclass
class ApplyResult:
    """Which leader paths were written or removed, and how many were already up to date."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class _Staged:
    path: str
    target: Path
    temp: Path
    backup: Path | None = None
    swapped: bool = False


@dataclass
class _Removal:
    path: str
    target: Path
    backup: Path | None = None
    removed: bool = False


def _same_content(target: Path, content: bytes) -> bool:
    try:
        if target.stat().st_size != len(content):
            return False
        return target.read_bytes() == content
    except (FileNotFoundError, NotADirectoryError):
        return False


def _stale_files(data_folder: Path, previous: Iterable[str], served: set[str]) -> list[_Removal]:
    """The files applied before that the set no longer has and that are still on disk."""
    stale = []
    for path in sorted(set(previous)):
        try:
            if relative_path(path).as_posix() in served:
                continue
            target = target_path(data_folder, path)
        except UnsafePath as exc:  # a link or folder there now is not ours to remove
            log.warning("not removing a file applied before", extra={"error": str(exc)})
            continue
        if target.is_file():
            stale.append(_Removal(path, target))
    return stale


def _remove(item: _Removal) -> None:
    backup = item.target.with_name(f".{item.target.name}.{os.getpid()}.removed")
    os.link(item.target, backup)
    item.backup = backup
    item.target.unlink()
    item.removed = True


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
    if is_secret(path):
        mode = SECRET_FILE_MODE  # also when the file there was readable by others
    else:
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


def _undo_removals(removals: list[_Removal]) -> None:
    for item in removals:
        try:
            if item.removed and item.backup is not None:
                os.replace(item.backup, item.target)
            elif item.backup is not None:
                item.backup.unlink()
        except OSError:
            log.exception("could not restore %s after a failed apply", item.path)


def apply_files(
    data_folder: Path, files: Iterable[tuple[str, bytes]], previous: Iterable[str] = ()
) -> ApplyResult:
    """Writes the set's changed files and removes `previous` ones it lacks, all or nothing."""
    checked = [(path, target_path(data_folder, path), content) for path, content in files]
    served = {relative_path(path).as_posix() for path, _, _ in checked}
    removals = _stale_files(data_folder, previous, served)
    result = ApplyResult()
    changed = []
    staged: list[_Staged] = []
    created: list[Path] = []
    try:
        for removal in removals:
            _remove(removal)
        for path, target, content in checked:
            if _same_content(target, content):
                result.unchanged += 1
                if is_secret(path) and target.stat().st_mode & 0o777 != SECRET_FILE_MODE:
                    os.chmod(target, SECRET_FILE_MODE)
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
        touched = [item.target for item in staged] + [removal.target for removal in removals]
        for folder in {target.parent for target in touched}:
            sync_folder(folder)
    except OSError as exc:
        _undo_swaps(staged)
        _discard(staged, created)
        _undo_removals(removals)
        where = f": {exc.filename}" if exc.filename else ""
        raise ApplyFailed(
            f"writing files failed, previous files kept: {exc.strerror}{where}"
        ) from exc
    _discard([item for item in staged if item.backup is not None], [])
    for removal in removals:
        if removal.backup is not None:
            with contextlib.suppress(FileNotFoundError):
                removal.backup.unlink()
    result.written = [item.path for item in staged]
    result.removed = [item.path for item in removals]
    return result
