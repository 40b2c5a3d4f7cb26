"""GET <leader>/conf with the follower key; the files decoded to bytes."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import httpx


class LeaderError(Exception):
    """The leader did not answer, or answered with an error status (its message kept)."""


class LeaderAnswerInvalid(Exception):
    """The leader's answer does not have the shape of GET /conf."""


@dataclass(frozen=True)
class Configuration:
    """The leader's files for this follower's role, and the revision they come from."""

    files: list[tuple[str, bytes]]
    revision: int | None


# Tells the leader this follower decodes `"encoding": "base64"` files (an original does not).
ENCODINGS_HEADER = {"X-Config-Encodings": "base64"}


def _error_of(response: httpx.Response) -> str:
    try:
        body = response.json()
        message = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        message = None
    if isinstance(message, dict):  # the original's shape: {"error": {"message": ...}}
        message = message.get("message")
    return f"leader answered HTTP {response.status_code}" + (f": {message}" if message else "")


def parse_configuration(body: Any) -> Configuration:
    """Checks and decodes a GET /conf body; raises LeaderAnswerInvalid."""
    if not isinstance(body, dict) or not isinstance(body.get("files"), list):
        raise LeaderAnswerInvalid("leader answer has no `files` list")
    files: list[tuple[str, bytes]] = []
    for index, item in enumerate(body["files"]):
        if not isinstance(item, dict):
            raise LeaderAnswerInvalid(f"files[{index}] is not an object")
        path, content = item.get("path"), item.get("content")
        if not isinstance(path, str) or not isinstance(content, str):
            raise LeaderAnswerInvalid(f"files[{index}] needs string `path` and `content`")
        encoding = item.get("encoding", "utf-8")
        if encoding == "utf-8":
            files.append((path, content.encode("utf-8")))
        elif encoding == "base64":
            try:
                files.append((path, base64.b64decode(content, validate=True)))
            except binascii.Error as exc:
                raise LeaderAnswerInvalid(f"files[{index}] ({path}): bad base64: {exc}") from None
        else:
            raise LeaderAnswerInvalid(f"files[{index}] ({path}): unknown encoding {encoding!r}")
    paths = [path for path, _ in files]
    if len(set(paths)) != len(paths):
        raise LeaderAnswerInvalid("leader answer lists a path twice")
    revision = body.get("revision")
    return Configuration(files, revision if isinstance(revision, int) else None)


async def fetch_configuration(
    client: httpx.AsyncClient, leader_url: str, key: str
) -> Configuration:
    """Fetches this follower's files; raises LeaderError or LeaderAnswerInvalid."""
    try:
        response = await client.get(
            f"{leader_url}/conf", headers={"Authorization": key, **ENCODINGS_HEADER}
        )
    except httpx.TimeoutException:
        raise LeaderError("leader did not answer in time") from None
    except httpx.HTTPError as exc:
        raise LeaderError(f"leader unreachable: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise LeaderError(_error_of(response))
    try:
        body = response.json()
    except ValueError:
        raise LeaderAnswerInvalid("leader answer is not JSON") from None
    return parse_configuration(body)


async def fetch_from_any(
    client: httpx.AsyncClient, leader_urls: list[str], key: str
) -> Configuration:
    """Fetches from the first of the leader's instances that answers 200 (they share one folder);
    raises the last one's LeaderError when none did, or LeaderAnswerInvalid."""
    error = LeaderError("no leader URL")
    for leader_url in leader_urls:
        try:
            return await fetch_configuration(client, leader_url, key)
        except LeaderError as exc:
            error = exc
    raise error
