"""Copies one file out of a wheel (a zip archive): the uv binary for the local uv base image.

Usage: python3 wheel_file.py WHEEL NAME DEST — the member whose base name is NAME, mode 0755.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def extract(wheel: Path, name: str, dest: Path) -> None:
    """Writes the wheel's member named NAME (any folder) to DEST, executable."""
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.rsplit("/", 1)[-1] == name]
        if len(members) != 1:
            raise SystemExit(f"{wheel}: expected one {name}, found {members}")
        dest.write_bytes(archive.read(members[0]))
    dest.chmod(0o755)


if __name__ == "__main__":
    extract(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
