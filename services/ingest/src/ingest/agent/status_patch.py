"""RFC 6902 JSON Patch applied in place to an agent's kept status (RFC 6901 pointers).

An agent sends a patch every second: applying it where the status lives, without copying it first,
costs a few microseconds per operation. A patch that does not apply raises PatchError and may have
changed part of the document: the caller drops it (the session asks the agent for a full status).
"""

from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """An operation that does not apply to the document."""


def tokens(pointer: Any) -> list[str]:
    """The reference tokens of a JSON pointer ("" is the whole document)."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise PatchError(f"not a JSON pointer: {pointer!r}")
    out = []
    for token in pointer.split("/")[1:]:
        if "~" in token:
            if any(part[:1] not in ("0", "1") for part in token.split("~")[1:]):
                raise PatchError(f"bad escape in {pointer!r}")
            token = token.replace("~1", "/").replace("~0", "~")
        out.append(token)
    return out


def index(token: str, size: int, *, end: bool) -> int:
    """A list position: digits without leading zeros, below `size` (or at it, or `-`, when `end`)."""
    if end and token == "-":
        return size
    if not (token.isascii() and token.isdigit()) or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"not an array index: {token!r}")
    position = int(token)
    if position > size or (position == size and not end):
        raise PatchError(f"array index {position} out of range")
    return position


def resolve(doc: Any, path: list[str]) -> Any:
    """The value a pointer's tokens reach."""
    node = doc
    for token in path:
        if type(node) is dict:
            if token not in node:
                raise PatchError(f"no member {token!r}")
            node = node[token]
        elif type(node) is list:
            node = node[index(token, len(node), end=False)]
        else:
            raise PatchError(f"{token!r} goes into a scalar")
    return node


def add(doc: Any, path: list[str], value: Any) -> Any:
    """Adds (or, in an object, sets) a value; the document (a new one when path is the root)."""
    if not path:
        return value
    parent = resolve(doc, path[:-1])
    if type(parent) is dict:
        parent[path[-1]] = value
    elif type(parent) is list:
        parent.insert(index(path[-1], len(parent), end=True), value)
    else:
        raise PatchError("add into a scalar")
    return doc


def remove(doc: Any, path: list[str]) -> Any:
    """Removes the value at a path (never the root); the value removed."""
    if not path:
        raise PatchError("cannot remove the whole document")
    parent = resolve(doc, path[:-1])
    if type(parent) is dict:
        if path[-1] not in parent:
            raise PatchError(f"no member {path[-1]!r}")
        return parent.pop(path[-1])
    if type(parent) is list:
        return parent.pop(index(path[-1], len(parent), end=False))
    raise PatchError("remove from a scalar")


def replace(doc: Any, path: list[str], value: Any) -> Any:
    """Replaces an existing value; the document."""
    if not path:
        return value
    parent = resolve(doc, path[:-1])
    if type(parent) is dict:
        if path[-1] not in parent:
            raise PatchError(f"no member {path[-1]!r}")
        parent[path[-1]] = value
    elif type(parent) is list:
        parent[index(path[-1], len(parent), end=False)] = value
    else:
        raise PatchError("replace in a scalar")
    return doc


def field(operation: dict[str, Any], name: str) -> Any:
    """A member an operation must have."""
    if name not in operation:
        raise PatchError(f"{operation.get('op')!r} needs {name!r}")
    return operation[name]


def apply_patch(doc: Any, operations: list[Any]) -> Any:
    """The document after the operations (changed in place); PatchError if one does not apply."""
    for operation in operations:
        if type(operation) is not dict:
            raise PatchError("an operation must be an object")
        kind, path = operation.get("op"), tokens(operation.get("path"))
        if kind == "add":
            doc = add(doc, path, field(operation, "value"))
        elif kind == "replace":
            doc = replace(doc, path, field(operation, "value"))
        elif kind == "remove":
            remove(doc, path)
        elif kind == "test":
            if resolve(doc, path) != field(operation, "value"):
                raise PatchError(f"test failed at {operation['path']!r}")
        elif kind in ("move", "copy"):
            source = tokens(field(operation, "from"))
            if kind == "copy":
                doc = add(doc, path, copy.deepcopy(resolve(doc, source)))
            elif source != path:
                if path[: len(source)] == source:
                    raise PatchError("cannot move a value into itself")
                doc = add(doc, path, remove(doc, source))
        else:
            raise PatchError(f"unknown op {kind!r}")
    return doc
