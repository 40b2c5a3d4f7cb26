"""Realistic KISSmetrics exports: every quirk of the real ones, streamed line by line.

Each revision file is generated on its own from (seed, revision), so files can be made in any
order, in parallel, or one at a time without keeping the others in memory. Users, their anonymous
ids, e-mails, numeric ids and sign-up revisions are derived from (seed, user index).
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

EVENTS = [
    ("Visited Site", 30),
    ("Viewed Product", 25),
    ("Searched", 12),
    ("Added to Cart", 8),
    ("Signed Up", 2),
    ("Purchased", 3),
    ("Billed", 2),
    ("visited site", 1),  # differs from "Visited Site" by case only: a different key
]
PROPERTIES = {
    "URL": lambda r: f"https://shop.example.com/p/{r.randrange(5000)}",
    "Referrer": lambda r: r.choice(["https://www.google.com/", "direct", "https://t.co/x"]),
    "sku": lambda r: str(r.randrange(100, 9999)),
    "billing amount": lambda r: f"{r.randrange(100, 50000) / 100:.2f}",
    "Campaign Source": lambda r: r.choice(["newsletter", "adwords", "facebook", "ñandú"]),
    "plan": lambda r: r.choice(["free", "gold", "Gold", "platinum"]),
    "Plan": lambda r: r.choice(["free", "gold"]),
    "search terms": lambda r: r.choice(["shoes", "rote Schuhe", "靴", "chaussures été"]),
    "comment": lambda r: "x" * r.choice([10, 300]),  # some values past 255 characters
}
EXPORT_EPOCH = 1_388_534_400  # 2014-01-01T00:00:00Z
REVISION_SECONDS = 12 * 3600


@dataclass
class ExportSpec:
    """What to generate: revisions first..first+files-1, lines_per_file lines each."""

    first_revision: int = 140
    files: int = 3
    lines_per_file: int = 10_000
    seed: int = 1
    users: int = 0  # 0: one user per 25 lines of the whole export
    quirks: bool = True
    start: int = EXPORT_EPOCH
    # Added to every identity's number (anonymous ids, e-mails, numeric ids): exports made with
    # different offsets share no person, so they can be imported into one database side by side.
    id_offset: int = 0

    @property
    def population(self) -> int:
        """How many people the export talks about."""
        return self.users or max(10, self.files * self.lines_per_file // 25)

    @property
    def revisions(self) -> range:
        """The revision numbers of the export."""
        return range(self.first_revision, self.first_revision + self.files)


@dataclass
class FileSummary:
    """What one generated file holds, counted as it was written."""

    revision: int
    lines: int = 0
    bytes: int = 0
    min_t: int | None = None
    max_t: int | None = None
    kinds: dict[str, int] = field(default_factory=dict)


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=15).digest()


@dataclass(frozen=True, slots=True)
class Person:
    """One user: anonymous ids (one per device), maybe an e-mail and a numeric id."""

    anon_ids: tuple[str, ...]
    email: str | None
    numeric_id: str | None
    signup_offset: int  # in revisions from the first one


def person(spec: ExportSpec, index: int) -> Person:
    """The person number `index` of the export, always the same for the same seed."""
    h = _digest(spec.seed, "person", index)
    number = index + spec.id_offset
    devices = 3 if index % 11 == 0 else 1  # hubs: one e-mail aliased to three anonymous ids
    anon = tuple(
        base64.b64encode(_digest(spec.seed, number, d)).decode()[:20] + "=" for d in range(devices)
    )
    signed_up = h[0] % 10 < 7
    local = "josé" if h[1] % 13 == 0 else ("John" if h[1] % 17 == 0 else "user")
    email = f"{local}{number}@example.com" if signed_up else None
    numeric = str(10_000 + number) if signed_up and h[2] % 10 < 4 else None
    return Person(anon, email, numeric, h[3] % max(1, spec.files))


def _line(obj: dict[str, object]) -> bytes:
    return orjson.dumps(obj) + b"\n"


class _FileWriter:
    """Generates one revision file's lines in order."""

    def __init__(self, spec: ExportSpec, revision: int):
        self.spec, self.revision = spec, revision
        self.rng = random.Random(f"{spec.seed}:{revision}")
        self.offset = revision - spec.first_revision
        self.window = spec.start + self.offset * REVISION_SECONDS
        self.names = [n for n, _ in EVENTS]
        self.weights = [w for _, w in EVENTS]
        self.aliased: set[int] = set()

    def identity(self, p: Person) -> str:
        r = self.rng
        if p.email is not None and self.offset >= p.signup_offset and r.random() < 0.6:
            return p.numeric_id if p.numeric_id and r.random() < 0.5 else p.email
        return r.choice(p.anon_ids)

    def aliases(self, p: Person, t: int) -> Iterator[dict[str, object]]:
        """Sign-up aliases; a hub's extra devices are aliased in the following revisions."""
        assert p.email is not None
        r = self.rng
        for device, anon in enumerate(p.anon_ids):
            if p.signup_offset + device != self.offset:
                continue
            pair = [anon, p.email] if r.random() < 0.5 else [p.email, anon]
            yield {"_p": pair[0], "_t": t, "_p2": pair[1]}
            if r.random() < 0.3:  # the same pair again a second later
                yield {"_p": pair[0], "_t": t + 1, "_p2": pair[1]}
        if p.numeric_id and p.signup_offset == self.offset:
            yield {"_p": p.email, "_t": t + 2, "_p2": p.numeric_id}

    def session(self) -> list[dict[str, object]]:
        """A burst of lines from one person, some sharing a second."""
        r, spec = self.rng, self.spec
        index = r.randrange(spec.population)
        p = person(spec, index)
        t = self.window + r.randrange(REVISION_SECONDS)
        if spec.quirks and r.random() < 0.01:
            t -= r.randrange(1, 60) * 86400  # back-dated
        who = self.identity(p)
        out: list[dict[str, object]] = []
        for _ in range(r.choice([1, 1, 2, 3, 5])):
            if r.random() < 0.12:
                line: dict[str, object] = {"_p": who, "_t": t}
            else:
                line = {"_p": who, "_t": t, "_n": r.choices(self.names, self.weights)[0]}
            for key in r.sample(list(PROPERTIES), r.choice([0, 1, 2, 2, 3, 4])):
                line[key] = PROPERTIES[key](r)
            if "_n" not in line and len(line) == 2:
                line["plan"] = "free"
            out.append(line)
            t += r.choice([0, 0, 1, 7, 30])
        if p.email and index not in self.aliased and p.signup_offset <= self.offset:
            self.aliased.add(index)
            out.extend(self.aliases(p, t))
        return out

    def quirk(self, line: bytes) -> list[bytes]:
        """Sometimes damages or repeats a line the way real exports do."""
        r = self.rng
        roll = r.random()
        if roll < 0.004:
            return [line, line]  # exact duplicate: two events
        if roll < 0.006:
            return [line[:-2] + b',"name":"Frigidman\\231"}\n']  # octal escape, not UTF-8
        if roll < 0.007:
            return [line[:-2] + b',"city":"Z\\303\\274rich"}\n']  # octal escapes of UTF-8
        if roll < 0.008:
            return [line[:-2] + b',"raw":"caf\xe9 \xff"}\n']  # invalid UTF-8 bytes
        if roll < 0.009:
            return [b"\n", line]  # blank line
        if roll < 0.0095:
            return [line[: len(line) // 2] + b"\n"]  # a cut line in the middle of the file
        if roll < 0.0098:  # an alias between two numeric ids (ignored)
            a, b = (self.spec.id_offset + r.randrange(10**6) for _ in range(2))
            return [_line({"_p": str(a), "_t": 1, "_p2": str(b)})]
        return [line]

    def lines(self) -> Iterator[bytes]:
        n, quirks = self.spec.lines_per_file, self.spec.quirks
        produced = 0
        while produced < n:
            chunk = [_line(obj) for obj in self.session()]
            if quirks:
                chunk = [q for line in chunk for q in self.quirk(line)]
            if quirks and self.rng.random() < 0.3:
                self.rng.shuffle(chunk)  # out of time order
            for line in chunk[: n - produced]:
                produced += 1
                if produced == n and quirks and self.offset % 3 == 2:
                    yield line[: max(1, len(line) // 3)]  # truncated last line
                else:
                    yield line


def iter_lines(spec: ExportSpec, revision: int) -> Iterator[bytes]:
    """The raw lines of one revision file, newlines included (a truncated last line has none)."""
    return _FileWriter(spec, revision).lines()


def write_file(spec: ExportSpec, revision: int, path: Path) -> FileSummary:
    """Streams one revision file to `path`; returns its summary."""
    summary = FileSummary(revision)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb", buffering=1 << 20) as out:
        for line in iter_lines(spec, revision):
            out.write(line)
            summary.lines += 1
            summary.bytes += len(line)
    lo = spec.start + (revision - spec.first_revision) * REVISION_SECONDS
    summary.min_t, summary.max_t = lo, lo + REVISION_SECONDS
    return summary


def write_export(spec: ExportSpec, root: Path) -> list[FileSummary]:
    """Writes revisions/<N>.json for every revision, plus index.csv and status.csv, under root."""
    summaries = [write_file(spec, r, root / "revisions" / f"{r}.json") for r in spec.revisions]
    index = ["filename,min_timestamp,max_timestamp,min_utc_date,max_utc_date"]
    for s in summaries:
        index.append(f"revisions/{s.revision}.json,{s.min_t},{s.max_t},,")
    (root / "index.csv").write_text("\n".join(index) + "\n")
    (root / "status.csv").write_text(f"status,last_revision\ncomplete,{spec.revisions[-1]}\n")
    return summaries
