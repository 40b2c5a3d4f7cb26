"""Every test sees the development settings of the local stack (.local/dev.env), as the services do."""

from __future__ import annotations

import os
from pathlib import Path

DEV_ENV = Path(__file__).parent / ".local" / "dev.env"


def _load_dev_env() -> None:
    if not DEV_ENV.exists():
        return
    for line in DEV_ENV.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


_load_dev_env()
