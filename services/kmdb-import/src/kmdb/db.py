"""MySQL connections for kmdb: utf8mb4, READ COMMITTED, and which errors are worth a retry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncmy
import asyncmy.connection
from asyncmy import errors as myerrors
from asyncmy.connection import Connection
from asyncmy.cursors import Cursor

from kmdb.settings import Settings

log = logging.getLogger("kmdb.db")
T = TypeVar("T")

# A lost lock race: deadlock, lock wait timeout.
CONTENTION_CODES = {1205, 1213}
# Those, and lost or refused connections, the server going away or shutting down.
TRANSIENT_CODES = CONTENTION_CODES | {1040, 1053, 1927, 2002, 2003, 2006, 2013, 2055, 1317}
INIT = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"
# The read pool's sessions cannot write, wherever KMDB_READ_DATABASE_URL points (a write sent
# there by mistake fails on the primary too, rather than succeeding on a replica's copy).
READ_ONLY_INIT = f"{INIT}, READ ONLY"
# A statement the server stopped at its time bound: MariaDB's max_statement_time, MySQL's
# MAX_EXECUTION_TIME.
TIMED_OUT_CODES = {1969, 3024}


class QuietCursor(Cursor):  # type: ignore[misc]
    """A cursor that skips asyncmy's SHOW WARNINGS round trip (INSERT IGNORE warns by design)."""

    async def _show_warnings(self, conn: Any) -> None:
        return None


class _LoadLocalFile(asyncmy.connection.LoadLocalFile):  # type: ignore[misc]
    """asyncmy hands LOAD DATA LOCAL the file name as bytes but wants str; decode it."""

    def __init__(self, filename: str | bytes, connection: Connection):
        name = filename.decode() if isinstance(filename, bytes) else filename
        super().__init__(name, connection)


asyncmy.connection.LoadLocalFile = _LoadLocalFile  # type: ignore[misc]


IntegrityError = myerrors.IntegrityError


class RaceLost(Exception):
    """A concurrent transaction inserted the same key first; the retry will see its row."""


def _code(exc: BaseException) -> int | None:
    """A MySQL error's number."""
    if isinstance(exc, myerrors.MySQLError) and exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether an error from MySQL means "try again later" rather than "this is wrong"."""
    if isinstance(
        exc, RaceLost | ConnectionError | OSError | asyncio.TimeoutError | myerrors.InterfaceError
    ):
        return True
    return _code(exc) in TRANSIENT_CODES


def is_contention(exc: BaseException) -> bool:
    """A deadlock, lock wait timeout or lost race with another worker (not an outage)."""
    return isinstance(exc, RaceLost) or _code(exc) in CONTENTION_CODES


async def connect(
    settings: Settings, *, local_infile: bool = False, **overrides: Any
) -> Connection:
    """Opens one connection (autocommit on) to DATABASE_URL's database."""
    params = {**settings.mysql_params(), **overrides}
    return await asyncmy.connect(
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=5,
        local_infile=local_infile,
        init_command=INIT,
        **params,
    )


class SpareConnection:
    """Opens connections for a worker's jobs, handing out the one the last job left if it is
    still open and idle: a job of a small file then spends no handshake."""

    def __init__(self, open_connection: Callable[[], Awaitable[Connection]]):
        self._open = open_connection
        self._spare: Connection | None = None

    async def __call__(self) -> Connection:
        """The spare connection if the server still answers on it, else a new one."""
        conn, self._spare = self._spare, None
        if conn is not None:
            try:
                await conn.ping(reconnect=False)
                return conn
            except Exception:
                conn.close()
        return await self._open()

    def keep(self, conn: Connection) -> None:
        """Keeps a connection for the next job if it is open and outside a transaction."""
        if self._spare is None and conn.connected and not conn.get_transaction_status():
            self._spare = conn
        else:
            conn.close()

    def close(self) -> None:
        """Closes the spare connection."""
        if self._spare is not None:
            self._spare.close()
            self._spare = None


@asynccontextmanager
async def connection(settings: Settings, **kwargs: Any) -> AsyncIterator[Connection]:
    """A connection closed on exit."""
    conn = await connect(settings, **kwargs)
    try:
        yield conn
    finally:
        conn.close()


async def create_pool(settings: Settings, maxsize: int = 10, *, read: bool = False) -> Any:
    """A connection pool for the HTTP API: DATABASE_URL's, or with `read` KMDB_READ_DATABASE_URL's
    (read-only sessions)."""
    return await asyncmy.create_pool(
        minsize=0,
        maxsize=maxsize,
        connect_timeout=3,
        charset="utf8mb4",
        autocommit=True,
        init_command=READ_ONLY_INIT if read else INIT,
        pool_recycle=300,
        **settings.mysql_params(read=read),
    )


async def fetchall(conn: Connection, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    """Runs a query and returns its rows."""
    async with conn.cursor(QuietCursor) as cur:
        await cur.execute(sql, args)
        return list(await cur.fetchall())


class StatementTimedOut(Exception):
    """The server stopped a SELECT at its time bound."""


async def fetchall_within(
    conn: Connection, sql: str, args: Any = None, *, seconds: float
) -> list[tuple[Any, ...]]:
    """Runs a SELECT that the server itself stops after `seconds` (StatementTimedOut then)."""
    if "mariadb" in conn.get_server_info().lower():
        sql = f"SET STATEMENT max_statement_time={seconds:.3f} FOR {sql}"
    else:  # MySQL's optimizer hint, in milliseconds
        sql = sql.replace(
            "SELECT", f"SELECT /*+ MAX_EXECUTION_TIME({max(1, round(seconds * 1000))}) */", 1
        )
    try:
        return await fetchall(conn, sql, args)
    except myerrors.MySQLError as exc:
        if _code(exc) in TIMED_OUT_CODES:
            raise StatementTimedOut(f"stopped after {seconds:g} s") from exc
        raise


async def execute(conn: Connection, sql: str, args: Any = None) -> int:
    """Runs a statement and returns the affected row count."""
    async with conn.cursor(QuietCursor) as cur:
        return int(await cur.execute(sql, args))


async def roll_back_after(conn: Any, exc: BaseException) -> None:
    """After a transaction failed with `exc`: rolls it back, unless the statement was cancelled —
    a cancelled statement leaves the protocol mid-reply, so the connection's owner closes it
    instead, which rolls the transaction back on the server."""
    if not isinstance(exc, asyncio.CancelledError):
        with contextlib.suppress(Exception):
            await conn.rollback()


async def with_retries(
    action: Callable[[], Awaitable[T]],
    *,
    what: str,
    deadline: float | None = None,
    on_retry: Callable[[BaseException], Awaitable[None]] | None = None,
) -> T:
    """Runs action until it succeeds, pausing on transient MySQL errors (until the deadline)."""
    loop = asyncio.get_running_loop()
    delay = 0.2
    while True:
        try:
            return await action()
        except Exception as exc:
            if not is_transient(exc) or (deadline is not None and loop.time() + delay > deadline):
                raise
            # Losing a lock race to another worker is over as soon as it commits: try again
            # shortly (jittered, so the two do not collide again); an outage backs off.
            contention = is_contention(exc)
            pause = random.uniform(0.05, 0.5) if contention else delay
            log.warning("%s: %s; retrying in %.1fs", what, exc, pause)
            if on_retry is not None:
                await on_retry(exc)
            await asyncio.sleep(pause)
            if not contention:
                delay = min(delay * 2, 10.0)
