"""A Cassandra session opened in the background and awaited from asyncio."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from cassandra import ConsistencyLevel, DriverException, InvalidRequest, RequestExecutionException
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    NoHostAvailable,
    ResponseFuture,
    Session,
)
from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.policies import ExponentialReconnectionPolicy
from cassandra.protocol import NumpyProtocolHandler
from cassandra.query import BatchStatement, BatchType, PreparedStatement, tuple_factory
from meridian_kit.errors import Unavailable
from meridian_kit.outages import Outage

log = logging.getLogger(__name__)

FETCH_SIZE = 20_000
SMALL_WRITE = 8


def _native_byte_order(arr: np.ndarray) -> np.ndarray:
    """A big-endian column from the wire in the machine's byte order (object columns as they are)."""
    if arr.dtype.kind == "O" or arr.dtype.isnative:
        return arr
    return arr.byteswap().view(arr.dtype.newbyteorder("="))


if NumpyProtocolHandler is not None and not hasattr(np.ndarray, "newbyteorder"):
    # The driver's NumPy parser (3.29-3.30) swaps byte order with ndarray.newbyteorder, which
    # NumPy 2 removed; the driver swallows the error and every page comes back None. Its module
    # global is looked up at each call, so this one-function replacement fixes it.
    from cassandra import numpy_parser

    numpy_parser.make_native_byteorder = _native_byte_order


def unavailable(exc: BaseException) -> Unavailable:
    """The outage rule: a driver error is the 503 the client sees; a missing table names the fix."""
    text = str(exc)
    if isinstance(exc, InvalidRequest) and (
        "unconfigured table" in text or "does not exist" in text
    ):
        return Unavailable(
            "cassandra: the metric_data schema is missing; run metrics-api-schema", retry_after=5
        )
    return Unavailable(f"cassandra unavailable: {type(exc).__name__}", retry_after=2)


DRIVER_ERRORS = (
    DriverException,
    RequestExecutionException,
    NoHostAvailable,
    ConnectionError,
    OSError,
)
# The kit's one outage rule for Cassandra, applied where every statement runs (below).
CASSANDRA = Outage("Cassandra", DRIVER_ERRORS, unavailable)


def await_future(future: ResponseFuture, *, pages: bool = False) -> asyncio.Future[list[Any]]:
    """Bridges a driver ResponseFuture into an asyncio future of every row, following pages (or,
    with `pages`, of every page as the driver gave it: the columnar session's dict of arrays)."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[list[Any]] = loop.create_future()
    rows: list[Any] = []

    def settle(exc: BaseException | None = None) -> None:
        if result.done():
            return
        if exc is not None:
            result.set_exception(exc)
        else:
            result.set_result(rows)

    def done(page: Any) -> None:
        if pages:
            rows.append(page)
        elif page:
            rows.extend(page)
        if future.has_more_pages:
            future.start_fetching_next_page()
        else:
            loop.call_soon_threadsafe(settle)

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(settle, exc)

    future.add_callbacks(done, failed)
    return result


class CassandraConnection:
    """Connects in the background and keeps retrying, so an outage at start degrades, not crashes."""

    def __init__(
        self,
        hosts: list[tuple[str, int]],
        *,
        on_connect: Callable[[Session], object] | None = None,
        request_timeout: float = 20.0,
        consistency: str = "LOCAL_QUORUM",
    ):
        profile = ExecutionProfile(
            row_factory=tuple_factory,
            consistency_level=ConsistencyLevel.name_to_value[consistency],
            request_timeout=request_timeout,
        )
        self.cluster = Cluster(
            [h for h, _ in hosts],
            port=hosts[0][1],
            connect_timeout=3,
            control_connection_timeout=3,
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            # Back within seconds of an outage's end, not the driver's default of up to 10 min.
            reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=10),
            # Without it a request of more than one TCP segment (a batch of ~17 rollup rows) waits
            # ~40 ms for the delayed ACK (Nagle); the driver leaves it off by default.
            sockopts=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self.session: Session | None = None
        # A second session whose results are decoded by the driver's Cython NumPy parser: a page
        # of rows arrives as one array per column, no Python object per value (series reads).
        self.columnar: Session | None = None
        self.on_connect = on_connect
        self._task: asyncio.Task[None] | None = None
        self._prepared: dict[str, PreparedStatement] = {}

    def start(self) -> None:
        """Starts connecting; returns at once."""
        self._task = asyncio.create_task(self._connect_forever())

    async def _connect_forever(self) -> None:
        delay = 0.5
        while self.session is None:
            try:
                session = await asyncio.to_thread(self.cluster.connect)
                if self.on_connect is not None:
                    await asyncio.to_thread(self.on_connect, session)
                if NumpyProtocolHandler is not None:
                    columnar = await asyncio.to_thread(self.cluster.connect)
                    columnar.client_protocol_handler = NumpyProtocolHandler
                    self.columnar = columnar
                self.session = session
            except Exception as exc:
                log.warning("cassandra not ready yet: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def wait_connected(self) -> None:
        """Waits until the session is open (for scripts and tests; bound it with asyncio.timeout)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    def _session(self) -> Session:
        if self.session is None:
            raise Unavailable("cassandra: not connected yet", retry_after=2)
        return self.session

    async def prepare(self, query: str) -> PreparedStatement:
        """Prepares a statement once per process."""
        statement = self._prepared.get(query)
        if statement is None:
            session = self._session()
            with CASSANDRA.guard():
                statement = await asyncio.to_thread(session.prepare, query)
            self._prepared[query] = statement
        return statement

    async def execute(
        self, query: Any, params: Any = None, *, fetch_size: int = FETCH_SIZE
    ) -> list[Any]:
        """Runs one statement and returns every row; driver errors become 503."""
        session = self._session()
        with CASSANDRA.guard():
            if isinstance(query, PreparedStatement):
                query = query.bind(params)
                query.fetch_size = fetch_size
                params = None
            return await await_future(session.execute_async(query, params))

    async def execute_columns(
        self, statement: PreparedStatement, params: Sequence[Any], *, fetch_size: int = FETCH_SIZE
    ) -> list[list[np.ndarray]]:
        """Runs one SELECT and returns its pages, each as one array per selected column in order
        (numbers as NumPy arrays, masked where null); driver errors become 503."""
        self._session()  # 503 while not connected
        with CASSANDRA.guard():
            if self.columnar is None:  # the driver was built without Cython/NumPy: rows, regrouped
                rows = await self.execute(statement, params, fetch_size=fetch_size)
                return [[np.array(c) for c in zip(*rows, strict=True)]] if rows else []
            bound = statement.bind(params)
            bound.fetch_size = fetch_size
            found = await await_future(self.columnar.execute_async(bound), pages=True)
        return [list(page.values()) for page in found if page]  # no rows: None

    async def execute_many(
        self,
        statement: PreparedStatement,
        params: Sequence[Sequence[Any]],
        *,
        concurrency: int = 64,
    ) -> None:
        """Runs one prepared statement for each parameter row, `concurrency` at a time."""
        if not params:
            return
        session = self._session()
        with CASSANDRA.guard():
            await asyncio.to_thread(
                execute_concurrent_with_args,
                session,
                statement,
                params,
                concurrency=concurrency,
                raise_on_first_error=True,
            )

    async def execute_batched(
        self,
        statement: PreparedStatement,
        params: Sequence[Sequence[Any]],
        *,
        partition_width: int,
        rows_per_batch: int = 25,
        partitions_per_batch: int = 1,
        concurrency: int = 32,
    ) -> None:
        """Writes rows in unlogged batches of at most `rows_per_batch` rows from at most
        `partitions_per_batch` partitions (the first `partition_width` values of a row): by default
        each batch is one mutation on one replica set; small partitions (a series' few rollup rows)
        may share one, fewer round trips for as many rows."""
        partitions: dict[tuple[Any, ...], list[Sequence[Any]]] = {}
        for row in params:
            partitions.setdefault(tuple(row[:partition_width]), []).append(row)
        chunks: list[list[Sequence[Any]]] = []
        chunk: list[Sequence[Any]] = []
        shared = 0
        for rows in partitions.values():
            for i in range(0, len(rows), rows_per_batch):
                piece = rows[i : i + rows_per_batch]
                if chunk and (
                    len(chunk) + len(piece) > rows_per_batch or shared >= partitions_per_batch
                ):
                    chunks.append(chunk)
                    chunk, shared = [], 0
                chunk += piece
                shared += 1
        if chunk:
            chunks.append(chunk)
        if not chunks:
            return
        session = self._session()

        def batch_of(rows: Sequence[Sequence[Any]]) -> BatchStatement:
            batch = BatchStatement(batch_type=BatchType.UNLOGGED)
            for row in rows:
                batch.add(statement, row)
            return batch

        def run_all() -> None:  # binding happens here too, off the event loop
            batches = [(batch_of(rows), ()) for rows in chunks]
            execute_concurrent(session, batches, concurrency=concurrency, raise_on_first_error=True)

        with CASSANDRA.guard():
            if len(chunks) <= SMALL_WRITE:  # a few round trips: no thread hop
                await asyncio.gather(*(self.execute(batch_of(rows)) for rows in chunks))
            else:
                await asyncio.to_thread(run_all)

    async def ping(self) -> None:
        """A real round trip: reads the node's release version."""
        await self.execute("SELECT release_version FROM system.local")

    async def close(self) -> None:
        """Stops connecting and shuts the driver down."""
        if self._task:
            self._task.cancel()
        await asyncio.to_thread(self.cluster.shutdown)
