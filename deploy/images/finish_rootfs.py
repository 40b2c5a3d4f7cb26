"""Finishes the debootstrapped root of the local python base (deploy/images/bases.sh).

Puts Debian's python3.11 and pip where the official python image has them (/usr/local/bin, which
the service images' UV_PYTHON names), lets pip install into the system as it can there (no
EXTERNALLY-MANAGED marker), and drops apt's downloaded packages and lists.
Usage: python3 finish_rootfs.py ROOT
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# link in the root -> its target, relative (usr/local/bin/../../bin is the root's usr/bin).
LINKS = {
    "usr/local/bin/python3.11": "../../bin/python3.11",
    "usr/local/bin/python3": "../../bin/python3.11",
    "usr/local/bin/python": "../../bin/python3.11",
    "usr/local/bin/pip": "../../bin/pip3",
}


def finish(root: Path) -> None:
    """Links, marker removed, apt caches emptied."""
    for link, target in LINKS.items():
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    (root / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
    for folder in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (root / folder).glob("*"):
            if entry.is_file():
                entry.unlink()
            elif entry.is_dir() and entry.name != "partial":
                shutil.rmtree(entry)


if __name__ == "__main__":
    finish(Path(sys.argv[1]))
