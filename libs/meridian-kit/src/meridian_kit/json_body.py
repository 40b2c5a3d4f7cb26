"""One rule for JSON bodies, for every service: a size and a depth limit, only finite numbers and
64-bit integers; anything else is a 400 naming the field (dotted path), before any route runs.

`JsonBodyMiddleware` (installed by create_service_app) checks every request body sent as JSON
(`application/json`, `*/*+json`, or no Content-Type at all, since routes that read raw bytes parse
those too) and hands the parsed value on: a route reading the body itself calls `json_body(request)`
and gets it without parsing again (or, for a body the middleware did not see, parsed and checked).

Valid bodies stay on C-speed paths. orjson parses, and refuses NaN, Infinity and 1e400 itself; it
also refuses more than 1024 nested arrays/objects, so the body is parsed inside 1024 - MAX_JSON_DEPTH
arrays and orjson's own limit checks the depth for free. Integer literals of 19+ digits (orjson turns
those beyond 64 bits into floats) are looked for in a translated copy of the body. Only a body that
fails one of these is parsed again by the standard library, which keeps NaN, infinities and big
integers, to name the field.

Settings (environment): MAX_JSON_BODY_BYTES (default 16 MiB; 413 beyond), MAX_JSON_DEPTH (default
32: at most 32 nested arrays/objects, the outermost included).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meridian_kit.errors import BadRequest, PayloadTooLarge, send_error

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SCOPE_KEY = "meridian.json_body"

_DIGITS = bytes.maketrans(b"0123456789", b"\0" * 10)
_LONG_RUN = b"\0" * 19  # 2**63 has 19 digits: a shorter integer literal always fits
_NUMBER_START = frozenset(b":,[")
_SPACE = frozenset(b" \t\r\n-")
_MAX_RUNS_LOOKED_AT = 1000


@dataclass(frozen=True)
class JsonRules:
    """The limits of the JSON rule."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    # routes that must answer a bad body in a protocol's own shape (PM2's verify): they call
    # parse_json themselves
    exempt_paths: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_env(cls, exempt_paths: Iterable[str] = ()) -> JsonRules:
        """MAX_JSON_BODY_BYTES and MAX_JSON_DEPTH from the environment, else the defaults."""
        return cls(
            max_bytes=int(os.environ.get("MAX_JSON_BODY_BYTES", DEFAULT_MAX_BYTES)),
            max_depth=int(os.environ.get("MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH)),
            exempt_paths=frozenset(exempt_paths),
        )


def refused(field: str, reason: str) -> BadRequest:
    """The 400 naming one field of the body."""
    return BadRequest(
        f"invalid JSON body: {field}: {reason}", detail=[{"field": field, "message": reason}]
    )


def parse_json(raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The parsed body; BadRequest naming the field for anything the JSON rule refuses."""
    try:
        value = _parse_within_depth(raw, max_depth)
    except (orjson.JSONDecodeError, _TooDeep):
        problem = _explain(raw, max_depth)
        if problem is not None:
            raise problem from None
        try:  # orjson's own words, with positions in the body as sent
            orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise refused("body", f"not JSON ({exc})") from None
        raise refused("body", f"nested deeper than {max_depth} arrays/objects") from None
    if _may_hold_a_long_integer(raw):
        problem = _explain(raw, max_depth)
        if problem is not None:
            raise problem
    return value


class _TooDeep(Exception):
    """The body holds more nested arrays/objects than allowed (orjson's limit has no other test)."""


def _orjson_depth_limit() -> int:
    """How many nested arrays orjson parses (1024 in every version so far), found once."""
    low, high = 1, 1 << 16
    while low < high:  # the largest n that parses
        middle = (low + high + 1) // 2
        try:
            orjson.loads(b"[" * middle + b"]" * middle)
        except orjson.JSONDecodeError:
            high = middle - 1
        else:
            low = middle
    return low


_ORJSON_DEPTH_LIMIT = _orjson_depth_limit()


_SMALL_BODY = 8 * 1024  # walking this few bytes' containers costs less than ~1000 levels of padding


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether arrays/objects nest more than max_depth levels (walks containers only)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        children = node.values() if type(node) is dict else node
        stack.extend((c, depth + 1) for c in children if type(c) is dict or type(c) is list)
    return False


def _parse_within_depth(raw: bytes, max_depth: int) -> Any:
    """orjson.loads(raw) inside enough arrays that orjson's own depth limit becomes max_depth (a
    small body, such as a websocket frame, is parsed as it is and its containers walked instead)."""
    padding = _ORJSON_DEPTH_LIMIT - max_depth
    if len(raw) <= _SMALL_BODY:
        value = orjson.loads(raw)
        if (type(value) is dict or type(value) is list) and _deeper_than(value, max_depth):
            raise _TooDeep
        return value
    if padding <= 0:
        value = orjson.loads(raw)
        if find_refused(value, max_depth) is not None:
            raise _TooDeep
        return value
    value = orjson.loads(b"[" * padding + raw + b"]" * padding)
    for _ in range(padding):
        # a valid body leaves exactly one element at each level: `1],[2` would leave two
        if type(value) is not list or len(value) != 1:
            raise _TooDeep
        value = value[0]
    return value


def _may_hold_a_long_integer(raw: bytes) -> bool:
    """Whether a number literal of 19+ digits may follow `:`, `,` or `[` (strings can fool it)."""
    digits = raw.translate(_DIGITS)
    at = digits.find(_LONG_RUN)
    for _ in range(_MAX_RUNS_LOOKED_AT):
        if at < 0:
            return False
        before = at - 1
        while before >= 0 and raw[before] in _SPACE:
            before -= 1
        if before < 0 or raw[before] in _NUMBER_START:
            return True
        at = digits.find(_LONG_RUN, at + len(_LONG_RUN))
    return True  # too many long digit runs to look at one by one: let the slow check decide


def _explain(raw: bytes, max_depth: int) -> BadRequest | None:
    """Parses again keeping NaN, infinities and big integers, and names the first refused field."""
    try:
        value = json.loads(raw)
    except RecursionError:
        return refused("body", f"nested deeper than {max_depth} arrays/objects")
    except ValueError:
        return None
    return find_refused(value, max_depth)


def find_refused(value: Any, max_depth: int = DEFAULT_MAX_DEPTH) -> BadRequest | None:
    """The 400 for the first value too deep, not finite, or an integer beyond 64 bits; else None."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict | list) and len(path) >= max_depth:
            return refused(_dotted(path), f"nested deeper than {max_depth} arrays/objects")
        if isinstance(node, dict):
            for key in node:
                if not _is_unicode(key):
                    return refused(
                        _dotted((*path, key)), "key is not valid Unicode (lone surrogate)"
                    )
            stack.extend((child, (*path, key)) for key, child in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((child, (*path, str(i))) for i, child in reversed(list(enumerate(node))))
        elif isinstance(node, str) and not _is_unicode(node):
            return refused(_dotted(path), "not valid Unicode (a lone surrogate escape)")
        elif isinstance(node, float) and not math.isfinite(node):
            return refused(_dotted(path), "not a finite number (NaN, Infinity, beyond a double)")
        elif type(node) is int and not INT64_MIN <= node <= INT64_MAX:
            return refused(_dotted(path), "integer outside the 64-bit range [-2^63, 2^63-1]")
    return None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dotted(path: tuple[str, ...]) -> str:
    # a key may hold a lone surrogate: the answer must still encode
    return ".".join(path).encode("utf-8", "backslashreplace").decode("utf-8") or "body"


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return True  # no Content-Type: routes reading raw bytes would parse it as JSON


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


def _declared_length(scope: Scope) -> int | None:
    """Content-Length; None when the body is chunked, 0 when there is none."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else None
        if name == b"transfer-encoding":
            return None
    return 0


class JsonBodyMiddleware:
    """Refuses a JSON body the rule does not allow (400/413 in the app's error shape)."""

    def __init__(self, app: ASGIApp, rules: JsonRules | None = None) -> None:
        self.app = app
        self.rules = rules or JsonRules.from_env()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Reads and checks a JSON body, then replays it to the app with the parsed value."""
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared == 0 or _route_path(scope) in self.rules.exempt_paths:
            await self.app(scope, receive, send)
            return
        limit = self.rules.max_bytes
        if declared is not None and declared > limit:
            await send_error(scope, receive, send, _too_large(declared, limit))
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_error(scope, receive, send, _too_large(size, limit))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if raw:
            try:
                scope[SCOPE_KEY] = parse_json(raw, max_depth=self.rules.max_depth)
            except BadRequest as exc:
                await send_error(scope, receive, send, exc)
                return
        await self.app(scope, _replay(raw, receive), send)


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"JSON body of {size} bytes exceeds MAX_JSON_BODY_BYTES={limit}")


def _replay(raw: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay


async def json_body(request: Request) -> Any:
    """The request's JSON body, as the middleware parsed it, else parsed and checked here."""
    if SCOPE_KEY in request.scope:
        return request.scope[SCOPE_KEY]
    rules = JsonRules.from_env()
    raw = await request.body()
    if len(raw) > rules.max_bytes:
        raise _too_large(len(raw), rules.max_bytes)
    return parse_json(raw, max_depth=rules.max_depth)
