"""The bulk writer: a consumer of the intake stream that indexes into Elasticsearch with retries.

Any number of writers (tasks and instances) share one consumer group. A batch of entries is
acknowledged only once every one of its documents is in Elasticsearch: created now, already there
(409 on `create`, from an earlier try), or refused for good and kept in the dead-letter stream.
Transport errors, 429 and 5xx are retried with backoff for as long as it takes; entries a dead
writer left unacknowledged are claimed after INGEST_CLAIM_IDLE_MS.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import orjson
from elasticsearch import AsyncElasticsearch

from ingest.intake.documents import IndexedDoc, documents
from ingest.intake.stream import Entry, IntakeStream, decode
from ingest.storage.indices import IndexManager
from ingest.stream_queue import Item

log = logging.getLogger("ingest.bulk_writer")

MAX_BACKOFF = 10.0


@dataclass
class WriterStats:
    """What this process's writers did, for /metrics-like introspection and benchmarks."""

    indexed: int = 0
    already_there: int = 0
    dead: int = 0
    retries: int = 0
    entries: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Targeted:
    """A document with the daily index (and its alias) it goes to."""

    doc: IndexedDoc
    index: str
    alias: str


@dataclass(frozen=True)
class Chunk:
    """Documents and the `_bulk` body that creates them."""

    docs: list[Targeted]
    body: bytes


def retryable(status: int) -> bool:
    """Statuses worth another try: throttling and server-side failures."""
    return status == 429 or status >= 500


class BulkWriter:
    """Reads the intake stream in batches and indexes each batch until it is all in."""

    def __init__(
        self,
        *,
        es: AsyncElasticsearch,
        stream: IntakeStream,
        indices: IndexManager,
        consumer: str,
        batch_entries: int,
        batch_docs: int,
        claim_idle_ms: int,
        stats: WriterStats,
        concurrency: int = 4,
    ):
        self.es = es
        self.stream = stream
        self.indices = indices
        self.consumer = consumer
        self.batch_entries = batch_entries
        self.batch_docs = batch_docs
        self.claim_idle_ms = claim_idle_ms
        self.stats = stats
        self.concurrency = concurrency

    async def run(self) -> None:
        """Runs until cancelled; never stops on a datastore fault."""
        await self.stream.queue.consume(
            self.consumer,
            self._handle,
            count=self.batch_entries,
            claim_idle_ms=self.claim_idle_ms,
            claim_every=20,  # a claim is a round trip: not on every batch of the hot path
        )

    async def _handle(self, items: list[Item]) -> None:
        entries = [decode(entry_id, fields) for entry_id, fields in items]
        await self.write(entries)
        await self.stream.queue.done([e.id for e in entries])
        self.stats.entries += len(entries)

    async def write(self, entries: list[Entry]) -> None:
        """Indexes every document of the entries, retrying what failed until all are in.

        Each chunk's `_bulk` body is built (documents, targets, NDJSON) before it waits for a
        slot, so when a request of the `concurrency` in flight returns, the next is sent at once:
        Elasticsearch's write threads are never left waiting on Python work.
        """
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: list[asyncio.Task[None]] = []

        async def send(chunk: Chunk) -> None:
            try:
                await self._write_chunk(chunk)
            finally:
                slots.release()

        async def launch(docs: list[Targeted]) -> None:
            chunk = await self._chunk(docs)
            await slots.acquire()
            in_flight.append(asyncio.create_task(send(chunk)))

        pending: list[Targeted] = []
        try:
            for entry in entries:
                pending.extend(self._targeted(entry))
                while len(pending) >= self.batch_docs:
                    await launch(pending[: self.batch_docs])
                    pending = pending[self.batch_docs :]
                await asyncio.sleep(0)  # building documents is CPU work: let requests through
            if pending:
                await launch(pending)
            await asyncio.gather(*in_flight)
        finally:
            for task in in_flight:
                task.cancel()

    def _targeted(self, entry: Entry) -> list[Targeted]:
        """An entry's documents with their daily index (one name per kind and entry, not per
        document: an entry's documents share its bucket and receive time)."""
        names = self.indices.names
        targets: dict[str, tuple[str, str]] = {}
        out = []
        for doc in documents(entry):
            target = targets.get(doc.kind)
            if target is None:
                target = targets[doc.kind] = (
                    names.daily(doc.kind, entry.bucket, entry.received_ms),
                    names.alias(doc.kind, entry.received_ms),
                )
            out.append(Targeted(doc, target[0], target[1]))
        return out

    async def _chunk(self, docs: list[Targeted]) -> Chunk:
        """A `_bulk` request body for documents, their indices created first."""
        for index, alias in {(d.index, d.alias) for d in docs}:
            await self.indices.ensure(index, alias)
        dumps = orjson.dumps
        lines: list[bytes] = []
        for doc in docs:
            lines.append(dumps({"create": {"_index": doc.index, "_id": doc.doc.id}}))
            lines.append(dumps(doc.doc.source))
        return Chunk(docs, b"\n".join(lines) + b"\n")  # NDJSON built once, with orjson

    async def _write_chunk(self, chunk: Chunk) -> None:
        backoff = 0.5
        while True:
            try:
                retry = await self._bulk(chunk)
                if not retry:
                    return
                chunk = await self._chunk(retry)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # transport errors, Elasticsearch down
                log.warning("bulk of %d documents failed: %s; retrying", len(chunk.docs), exc)
            self.stats.retries += 1
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _bulk(self, chunk: Chunk) -> list[Targeted]:
        """One _bulk request; returns the documents to try again."""
        response = await self.es.bulk(
            operations=chunk.body,  # type: ignore[arg-type]  # bytes are sent as they are
            filter_path="errors,items.*.status,items.*.error",
        )
        if not response.get("errors"):
            self.stats.indexed += len(chunk.docs)
            return []
        retry = []
        for targeted, item in zip(chunk.docs, response["items"], strict=True):
            doc, index = targeted.doc, targeted.index
            result = item.get("create", {})
            status = int(result.get("status", 500))
            if status < 300:
                self.stats.indexed += 1
            elif status == 409:
                self.stats.already_there += 1
            elif retryable(status):
                retry.append(targeted)
            elif status == 404:  # its daily index was deleted meanwhile: create it again
                self.indices.forget(index)
                retry.append(targeted)
            else:
                self.stats.dead += 1
                log.error("document %s refused (%s): %s", doc.id, status, result.get("error"))
                await self.stream.dead_letter(doc.id, index, doc.source, result.get("error"))
        return retry
