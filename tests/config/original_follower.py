"""pryv/service-config-follower 1.0.10, modelled from its code (src/app.js), to fetch from our leader.

What it does, as read in the original:
* the URL of the files is `new URL('conf', leaderUrl)` (so a leader behind a path prefix needs
  the URL to end with `/`), fetched with `Authorization: <auth>` and nothing else (it declares
  no encodings);
* for each file of `files`: the folder of `dataFolder + path` is created, then the file is
  written only if its full path matches one of three patterns built from `dataFolder`: a file
  directly in it, or under `<one folder>/conf/` or `<one folder>/templates/`;
* `content` is written as UTF-8 text whatever `encoding` says, with the default mode.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx


def conf_url(leader_url: str) -> str:
    """`new URL('conf', leaderUrl).href` (urljoin follows the same relative-reference rules)."""
    return urljoin(leader_url, "conf")


def fetch_files(leader_url: str, auth: str) -> list[dict[str, Any]]:
    """GET the files as the original follower does; fails on any error status."""
    response = httpx.get(conf_url(leader_url), headers={"Authorization": auth}, timeout=30)
    response.raise_for_status()
    files: list[dict[str, Any]] = response.json()["files"]
    return files


def write_files(files: list[dict[str, Any]], data_folder: str) -> list[str]:
    """Writes the files as the original does; returns the paths it wrote."""
    # the original puts dataFolder into its regular expressions as it is (not escaped)
    allowed = [
        re.compile(".*" + data_folder + r"[^/\\]+$"),
        re.compile(".*" + data_folder + r"[^/\\]+/conf/.*"),
        re.compile(".*" + data_folder + r"[^/\\]+/templates/.*"),
    ]
    written = []
    for file in files:
        full_path = os.path.realpath(os.path.join(data_folder, file["path"].lstrip("/")))
        Path(full_path).parent.mkdir(parents=True, exist_ok=True)
        if not any(pattern.match(full_path) for pattern in allowed):
            continue
        Path(full_path).write_bytes(file["content"].encode("utf-8", "surrogatepass"))
        written.append(os.path.join(data_folder, file["path"].lstrip("/")))
    return written


def sync(leader_url: str, auth: str, data_folder: Path) -> list[str]:
    """Fetch and write, as the original does at start and on every notify."""
    return write_files(fetch_files(leader_url, auth), str(data_folder).rstrip("/") + "/")
