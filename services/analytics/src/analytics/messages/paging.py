"""Paging messages with `search_after`: the sort key and its opaque cursor.

The sort key is the message's identity (the trace id is derived from it: timestamp, user,
message id, type — the project is filtered on), then `_seq_no` for the one case the identity
leaves a tie (two timestamps in the same millisecond, Elasticsearch's date precision). A
cursor is that key of a page's last message, as URL-safe base64 of its JSON: nothing is kept
on the server, so any instance answers the next page.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from meridian_kit.errors import BadRequest

MAX_CURSOR = 2048  # the key of a page's last message: a date, three names, a number


def _keyword(field: str) -> dict[str, Any]:
    return {field: {"order": "asc", "unmapped_type": "keyword", "missing": "_first"}}


def page_sort() -> list[dict[str, Any]]:
    """Oldest first, then the message's identity, then its sequence number (a total order)."""
    return [
        {"timestamp": {"order": "asc", "unmapped_type": "date"}},
        _keyword("userId.keyword"),
        _keyword("messageId.keyword"),
        _keyword("type.keyword"),
        {"_seq_no": {"order": "asc"}},
    ]


def encode_cursor(sort_values: list[Any]) -> str:
    """The opaque token naming the position after a message (its hit's `sort` values)."""
    return base64.urlsafe_b64encode(orjson.dumps(sort_values)).decode().rstrip("=")


def _is_key(values: Any) -> bool:
    if not isinstance(values, list) or len(values) != len(page_sort()):
        return False
    moment, user, message, kind, seq_no = values
    names_ok = all(v is None or isinstance(v, str) for v in (user, message, kind))
    numbers_ok = all(
        isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63
        for v in (moment, seq_no)
    )
    return names_ok and numbers_ok


def decode_cursor(cursor: str) -> list[Any]:
    """The sort values a cursor holds; 400 naming `cursor` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        values = None
    if not _is_key(values):
        raise BadRequest("cursor: not a cursor this service gave (take `next` from a page)")
    return list(values)
