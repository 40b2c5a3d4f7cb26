"""Turns one raw export line into a record, without ever evaluating it.

KISSmetrics lines are JSON, except that some carry C-style octal escapes (``"Frigidman\\231"``)
and raw bytes that are not UTF-8. Octal escapes become the bytes they name, then the line is
decoded as UTF-8 with replacement characters, then parsed as JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

# A backslash escape: either a 1-3 digit octal escape (group 1) or any other escaped character.
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(.))", re.DOTALL)
# The first datetime MySQL can store is 1000-01-01, the last 9999-12-31.
MIN_T, MAX_T = -30_610_224_000, 253_402_300_799
MAX_NAME = 255  # identities are VARCHAR(255)


class BadLine(ValueError):
    """A line that cannot be imported; its message says why."""


@dataclass(slots=True)
class Record:
    """One parsed line: kind is "event", "alias" or "property"."""

    kind: str
    person: str
    t: int
    name: str | None  # the event name (_n) or the aliased identity (_p2)
    properties: dict[str, Any]


def _octal_to_bytes(match: re.Match[bytes]) -> bytes:
    octal, other = match.group(1), match.group(2)
    if octal is None:
        return b"\\" + other
    value = int(octal, 8) & 0xFF
    # ASCII goes back in as a JSON escape (a raw quote or backslash would break the string);
    # bytes >= 0x80 go in raw, to be decoded as UTF-8 with the bytes around them.
    return b"\\u%04x" % value if value < 0x80 else bytes((value,))


def _scrub(value: Any) -> Any:
    """Replaces lone surrogates (from \\ud800-style escapes) by U+FFFD, recursively."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def load_json(raw: bytes) -> Any:
    """Parses a line's JSON, repairing octal escapes and invalid UTF-8; raises BadLine."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    fixed = _ESCAPE.sub(_octal_to_bytes, raw) if b"\\" in raw else raw
    text = fixed.decode("utf-8", "replace")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return _scrub(json.loads(text, strict=False))
    except (ValueError, RecursionError) as exc:
        raise BadLine(f"invalid JSON: {exc}") from None


def _identity(value: Any, field: str) -> str:
    if isinstance(value, str):
        if not value:
            raise BadLine(f"empty {field}")
        if len(value) > MAX_NAME:
            raise BadLine(f"{field} longer than {MAX_NAME} characters")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadLine(f"missing or non-string {field}")


def _timestamp(value: Any) -> int:
    if isinstance(value, bool):
        raise BadLine("_t is not a unix timestamp")
    if isinstance(value, int):
        t = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        t = int(value)
    else:
        raise BadLine("missing or non-integer _t")
    if not MIN_T <= t <= MAX_T:
        raise BadLine(f"_t {t} is out of range")
    return t


def parse_line(raw: bytes) -> Record:
    """Parses one line (without its newline) into a Record; raises BadLine."""
    if not raw or raw.isspace():
        raise BadLine("blank line")
    obj = load_json(raw)
    if not isinstance(obj, dict):
        raise BadLine("not a JSON object")
    # The common case (a non-empty string _p, an integer _t in range) checked inline: this
    # runs for every line of every file.
    person = obj.pop("_p", None)
    if type(person) is not str or not person or len(person) > MAX_NAME:
        person = _identity(person, "_p")
    t = obj.pop("_t", None)
    if type(t) is not int or not MIN_T <= t <= MAX_T:
        t = _timestamp(t)
    if "_p2" in obj:
        other = _identity(obj.pop("_p2"), "_p2")
        return Record("alias", person, t, other, {})
    if "_n" in obj:
        name = obj.pop("_n")
        if not isinstance(name, str) or not name:
            raise BadLine("empty or non-string _n")
        return Record("event", person, t, name, obj)
    return Record("property", person, t, None, obj)


def property_value(value: Any) -> str | None:
    """A property's value as stored: strings as they are, others as JSON; None is skipped."""
    if isinstance(value, str):
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()
