"""Where a file from the leader may go: inside dataFolder only.

A leader path is "/<relative>" (the leading "/" is the root of dataFolder). Refused, with an
error naming the path: an empty path, a path that is still absolute without its leading "/"
("//etc/passwd"), a `..` or `.` component, a NUL or backslash, and any path that resolves
(following links already on disk) to somewhere outside dataFolder.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


class UnsafePath(Exception):
    """A path from the leader that would write outside dataFolder."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"refused path {path!r}: {reason}")
        self.path = path
        self.reason = reason


def relative_path(path: str) -> PurePosixPath:
    """The leader path as a clean relative path; raises UnsafePath."""
    if not path or path == "/":
        raise UnsafePath(path, "empty path")
    if "\0" in path or "\\" in path:
        raise UnsafePath(path, "NUL or backslash in path")
    relative = path[1:] if path.startswith("/") else path
    if relative.startswith("/"):
        raise UnsafePath(path, "absolute path")
    parts = relative.split("/")
    if any(part in {"..", "."} for part in parts):
        raise UnsafePath(path, "'..' or '.' component")
    if any(part == "" for part in parts):
        raise UnsafePath(path, "empty component")
    return PurePosixPath(relative)


def target_path(data_folder: Path, path: str) -> Path:
    """The absolute file a leader path writes to; raises UnsafePath if it leads out."""
    relative = relative_path(path)
    root = data_folder.resolve()
    target = root.joinpath(*relative.parts)
    real = Path(os.path.realpath(target))
    if not real.is_relative_to(root) or real == root:
        raise UnsafePath(path, "a link leads out of dataFolder")
    if target.is_symlink():
        raise UnsafePath(path, "the file is a link (replacing it would not write through)")
    if target.exists() and not target.is_file():
        raise UnsafePath(path, "exists and is not a regular file")
    return target
