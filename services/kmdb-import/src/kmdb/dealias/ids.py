"""Deterministic ids: rows from (revision, line), names from a hash, so any worker agrees."""

from __future__ import annotations

import hashlib
import re

LINE_BITS, INDEX_BITS = 30, 10
MAX_REVISION = (1 << (63 - LINE_BITS - INDEX_BITS)) - 1
MAX_LINE = (1 << LINE_BITS) - 1
MAX_INDEX = (1 << INDEX_BITS) - 1
_NUMERIC = re.compile(r"[0-9]+")


def row_base(revision: int, line: int) -> int:
    """The id of the first row made from a line; its other rows follow (up to MAX_INDEX)."""
    return (revision << (LINE_BITS + INDEX_BITS)) | (line << INDEX_BITS)


def line_key(row_id: int) -> int:
    """Which (revision, line) a row was made from, as one number: equal for a line's rows."""
    return row_id >> INDEX_BITS


def line_base(row_id: int) -> int:
    """The id of the first row made from the same line as row_id (its event, if it has one)."""
    return line_key(row_id) << INDEX_BITS


def revision_range(revision: int) -> tuple[int, int]:
    """[low, high) of the ids of every row made from one revision file."""
    return row_base(revision, 0), row_base(revision + 1, 0)


def name_id(name: str) -> int:
    """A positive 63-bit id for a user or key name (BLAKE2b); the same in every worker."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 1


def is_numeric(name: str) -> bool:
    """Whether an identity is a numeric id (ASCII digits only)."""
    return _NUMERIC.fullmatch(name) is not None


def preference(name: str) -> tuple[int, str]:
    """Sort key of identities: numeric ones first, then lexicographically (code points)."""
    return (0 if is_numeric(name) else 1, name)


def ordered_pair(a: str, b: str) -> tuple[str, str]:
    """An alias pair as stored in aliases(name1, name2): the identity kept first."""
    return (a, b) if preference(a) <= preference(b) else (b, a)
