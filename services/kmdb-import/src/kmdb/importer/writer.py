"""Writes one batch in one transaction, with the file's checkpoint: all of it or none of it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import IntegrityError, RaceLost, execute, fetchall, roll_back_after
from kmdb.dealias.ids import line_key
from kmdb.dealias.locks import lock_identities
from kmdb.dealias.merges import merge_aliases
from kmdb.dealias.store import HashCollision, create_identities, users_by_name
from kmdb.importer.batches import Batch
from kmdb.importer.bulk import load_text

log = logging.getLogger("kmdb.importer")
NOT_RESOLVED = "people not resolved up front; resolving them in the batch"


class Superseded(Exception):
    """Another job (a newer generation, or a duplicate) owns this file now."""


@dataclass
class FileJob:
    """What a job knows about the file it imports; caches hold committed facts only."""

    revision: int
    generation: int
    ignored_users: frozenset[str] = frozenset()
    known_keys: set[int] = field(default_factory=set)
    # The file's identities and merges were resolved up front (importer/people.py): a batch
    # then only reads its people's users under shared locks, and merges nothing itself.
    prepared: bool = False


@dataclass
class BatchResult:
    """Rows a committed batch added."""

    events: int = 0
    properties: int = 0
    aliases: int = 0
    skipped: int = 0
    bad_lines: int = 0
    merged_users: int = 0
    rows_moved: int = 0


async def _ensure_keys(conn: Connection, job: FileJob, keys: dict[int, str]) -> None:
    """Interns new keys (autocommit: a key without rows harms nobody)."""
    fresh = {k: v for k, v in keys.items() if k not in job.known_keys}
    if not fresh:
        return

    async def check() -> set[int]:
        """The fresh keys already interned (a hash collision raises)."""
        ids = sorted(fresh)
        rows = await fetchall(
            conn, f"SELECT id, string FROM `keys` WHERE id IN ({', '.join(['%s'] * len(ids))})", ids
        )
        for key, string in rows:
            if fresh[key] != string:
                raise HashCollision(f"keys {string!r} and {fresh[key]!r} share id {key}")
        return {key for key, _ in rows}

    # Most keys are known already: looking first spares a write (and its commit) per job.
    missing = sorted(fresh.keys() - await check())
    if missing:
        await execute(
            conn,
            "INSERT IGNORE INTO `keys` (id, string) VALUES "
            + ", ".join(["(%s, %s)"] * len(missing)),
            [v for k in missing for v in (k, fresh[k])],
        )
        await check()
    job.known_keys.update(fresh)


async def _checkpoint(conn: Connection, job: FileJob, batch: Batch) -> bool:
    """Locks the file's row; False if this batch was already committed (a lost COMMIT reply)."""
    rows = await fetchall(
        conn,
        "SELECT generation, line FROM dumpfiles WHERE revision = %s FOR UPDATE",
        (job.revision,),
    )
    if not rows or rows[0][0] != job.generation:
        raise Superseded(f"revision {job.revision} was re-queued")
    line = rows[0][1]
    if line == batch.last_line:
        return False
    if line != batch.first_line - 1:
        raise Superseded(f"revision {job.revision} is at line {line}, not {batch.first_line - 1}")
    return True


class Gate:
    """Orders two overlapping batches of one file: the later one starts its identity work when
    the earlier one has finished its own (so it never holds a lock the earlier one waits for),
    and commits only after the earlier one committed (so checkpoints advance in file order)."""

    def __init__(self, previous: Gate | None = None):
        loop = asyncio.get_running_loop()
        self.previous = previous
        self.identities_done: asyncio.Future[None] = loop.create_future()
        self.committed: asyncio.Future[None] = loop.create_future()
        for future in (self.identities_done, self.committed):
            future.add_done_callback(lambda f: f.cancelled() or f.exception())

    def fail(self, exc: BaseException) -> None:
        """Tells the batch after this one that this one will not commit."""
        for future in (self.identities_done, self.committed):
            if not future.done():
                future.set_exception(exc)

    def ok(self, future: asyncio.Future[None]) -> None:
        if not future.done():
            future.set_result(None)


async def write_batch(
    conn: Connection, job: FileJob, batch: Batch, gate: Gate | None = None
) -> BatchResult | None:
    """Commits the batch's rows, alias merges, errors and checkpoint together; None if done before."""
    try:
        await _ensure_keys(conn, job, batch.keys)
        if gate and gate.previous:
            await gate.previous.identities_done
        await conn.begin()
        try:
            written = await _write_rows(conn, job, batch, gate)
            if gate and gate.previous:
                await gate.previous.committed
            result: BatchResult | None = None
            if await _checkpoint(conn, job, batch):
                await _advance(conn, job, batch, written)
                await conn.commit()
                result = written
            else:
                await conn.rollback()
        except BaseException as exc:
            await roll_back_after(conn, exc)
            raise
    except BaseException as exc:
        if gate:
            gate.fail(exc)
        raise
    if gate:
        gate.ok(gate.committed)
    return result


async def _advance(conn: Connection, job: FileJob, batch: Batch, result: BatchResult) -> None:
    """Moves the file's checkpoint past the batch and adds its counts (in its transaction)."""
    # The file's last batch marks it done in the same commit (no statement after it).
    done = (
        ", finished_at = NOW(6), error = NULL, `length` = GREATEST(COALESCE(`length`, 0), %s)"
        if batch.final
        else ""
    )
    await execute(
        conn,
        "UPDATE dumpfiles SET line = %s, `offset` = %s, status = %s,"
        " events = events + %s, properties = properties + %s, aliases = aliases + %s,"
        " skipped = skipped + %s, bad_lines = bad_lines + %s,"
        f" rows_moved = rows_moved + %s{done} WHERE revision = %s",
        (
            batch.last_line,
            batch.end_offset,
            "done" if batch.final else "running",
            result.events,
            result.properties,
            result.aliases,
            result.skipped,
            result.bad_lines,
            result.rows_moved,
            *((batch.end_offset,) if batch.final else ()),
            job.revision,
        ),
    )


@dataclass
class People:
    """Each name of a batch mapped to its user after the batch's merges, and the ignored users."""

    users: dict[str, int]
    ignored: set[int]


async def _write_rows(
    conn: Connection, job: FileJob, batch: Batch, gate: Gate | None
) -> BatchResult:
    """Identities, merges, then rows pointing at each person's user after the merges.

    The checkpoint is only checked after this (checking first would hold the file's row lock
    across the overlap with the next batch), so every write here must be a no-op when the batch
    is already committed and only its COMMIT reply was lost: ids are keyed by revision and line,
    LOAD DATA LOCAL skips duplicates, and the INSERTs below ignore a duplicate key.
    """
    result = BatchResult(bad_lines=len(batch.errors), skipped=batch.skipped)
    people = await read_people(conn, job, batch) if job.prepared else None
    if people is None:
        if job.prepared:  # not resolved up front after all (never expected): the full work
            log.warning(
                "revision %s lines %s-%s: %s",
                job.revision,
                batch.first_line,
                batch.last_line,
                NOT_RESOLVED,
            )
            await conn.rollback()
            await conn.begin()
        pairs = [(a, b) for _, a, b, _ in batch.aliases]
        people = await resolve_people(conn, job, batch.persons, pairs, result)
    if gate:
        gate.ok(gate.identities_done)
    await _load_rows(conn, batch, people, result)
    await _insert_aliases(conn, batch, people, result)
    await _insert_errors(conn, job, batch)
    return result


async def read_people(conn: Connection, job: FileJob, batch: Batch) -> People | None:
    """The batch's people's users, read under shared locks in the global order (by name), once
    its file's identities were resolved up front; None if that does not hold for this batch
    (a name without an identity, or an alias pair of two users).

    The shared locks keep any merge of these users (which locks their identities exclusively)
    from committing before this batch: a merge committed earlier is seen here (the locking read
    sees the latest commit), one committed later re-points this batch's rows too. Two batches of
    one file share them, so they load side by side instead of one after the other.
    """
    users = await users_by_name(conn, batch.persons | job.ignored_users, "LOCK IN SHARE MODE")
    if not batch.persons <= users.keys():
        return None
    if any(users[a] != users[b] for _, a, b, _ in batch.aliases):
        return None
    return People(users, {users[n] for n in job.ignored_users if n in users})


async def resolve_people(
    conn: Connection,
    job: FileJob,
    persons: set[str],
    pairs: list[tuple[str, str]],
    result: BatchResult,
    *,
    past_only: bool = False,
) -> People:
    """Locks the identities of these persons and pairs, creates the new ones, merges along the
    pairs. `past_only`: no rows of these persons are written in this transaction (a file's
    people resolved before its rows), so only users that existed before it can have rows to
    re-point (recorded as pending moves, moved after this transaction: dealias/moves.py),
    and only the identities the merges change are locked: the others are only
    created if new. (The file's batches read their users under shared locks; an exclusive lock
    on every person would hold up the previous file's batches, loading meanwhile, for the whole
    transaction.) The returned users then cover only the locked and the created identities."""
    locked = job.ignored_users if past_only else persons | job.ignored_users
    users = await lock_identities(conn, locked, pairs)
    past = set(users.values()) if past_only else None
    fresh = persons - users.keys()
    if past_only:
        fresh -= (await users_by_name(conn, fresh)).keys()
    try:
        users.update(await create_identities(conn, fresh))
    except IntegrityError as exc:
        raise RaceLost(str(exc)) from None
    merged = await merge_aliases(conn, pairs, users, past=past, defer=past_only)
    repoint = merged.repoint
    result.rows_moved = merged.rows_moved
    if repoint:
        users = {name: repoint.get(uid, uid) for name, uid in users.items()}
    result.merged_users = len(repoint)
    ignored = {users[n] for n in job.ignored_users if n in users}
    for kept in ignored & set(repoint.values()):
        # A merge joined a user to an ignored identity: its rows go, wherever they came from.
        for table in ("events", "properties"):
            await execute(conn, f"DELETE FROM {table} WHERE user_id = %s", (kept,))
    return People(users, ignored)


async def _load_rows(conn: Connection, batch: Batch, people: People, result: BatchResult) -> None:
    """LOAD DATA of the batch's events and properties, but those of ignored users."""
    dropped: set[int] = set()  # lines left out, whatever rows they made
    events = _rows_text(batch.events, batch.event_persons, people, dropped)
    properties = _rows_text(batch.properties, batch.property_persons, people, dropped)
    result.skipped += len(dropped)
    result.events = await load_text(conn, "events", ("id", "t", "n", "user_id"), events)
    result.properties = await load_text(
        conn, "properties", ("id", "t", "key", "value", "user_id", "event_id"), properties
    )


def _rows_text(rows: list[str], persons: list[str], people: People, dropped: set[int]) -> bytes:
    """Rows (Batch.events or .properties) with their users' ids, those of ignored users left out
    (their lines added to `dropped`)."""
    uids = [people.users[person] for person in persons]
    if people.ignored and not people.ignored.isdisjoint(uids):
        kept_rows, kept_uids = [], []
        for row, uid in zip(rows, uids, strict=True):
            if uid in people.ignored:
                dropped.add(line_key(int(row.partition("\t")[0])))  # the row's id
            else:
                kept_rows.append(row)
                kept_uids.append(uid)
        rows, uids = kept_rows, kept_uids
    return ("".join(rows) % tuple(uids)).encode()


async def _insert_aliases(
    conn: Connection, batch: Batch, people: People, result: BatchResult
) -> None:
    """The batch's alias lines, but those of ignored users (counted as skipped)."""
    aliases = [a for a in batch.aliases if people.users[a[1]] not in people.ignored]
    result.skipped += len(batch.aliases) - len(aliases)
    if aliases:
        await execute(
            conn,
            "INSERT INTO aliases (id, name1, name2, t) VALUES "
            + ", ".join(["(%s, %s, %s, %s)"] * len(aliases))
            + " ON DUPLICATE KEY UPDATE id = id",
            [v for row in aliases for v in row],
        )
    result.aliases = len(aliases)


async def _insert_errors(conn: Connection, job: FileJob, batch: Batch) -> None:
    """The batch's bad lines into file_errors."""
    if batch.errors:
        await execute(
            conn,
            "INSERT INTO file_errors (revision, line, reason, excerpt) VALUES "
            + ", ".join(["(%s, %s, %s, %s)"] * len(batch.errors))
            + " ON DUPLICATE KEY UPDATE line = line",
            [
                v
                for line, reason, excerpt in batch.errors
                for v in (job.revision, line, reason, excerpt)
            ],
        )
