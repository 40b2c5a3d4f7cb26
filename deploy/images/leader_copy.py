"""Points a copy of the leader's folder at itself: every path in its config-leader.json that
named the original folder names the copy, and it has no followers, so nothing it does reaches the
running suite's follower (containers.sh with a port offset, beside the running suite).

Usage: python3 leader_copy.py ORIGINAL COPY
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def repoint(value: Any, original: str, copy: str) -> Any:
    """The value with every string under ORIGINAL moved under COPY."""
    if isinstance(value, str) and (value == original or value.startswith(original + "/")):
        return copy + value[len(original) :]
    if isinstance(value, dict):
        return {k: repoint(v, original, copy) for k, v in value.items()}
    if isinstance(value, list):
        return [repoint(v, original, copy) for v in value]
    return value


def main(original: Path, copy: Path) -> None:
    config = copy / "config-leader.json"
    data = json.loads(config.read_text())
    data = repoint(data, str(original), str(copy))
    data["followers"] = {}
    config.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
