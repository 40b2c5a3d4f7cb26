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
        concurrency: int = 2,
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

        Documents are built chunk by chunk while earlier chunks are in flight (at most
        `concurrency` `_bulk` requests at once), so Elasticsearch is never left waiting on us.
        """
        received = {e.id: e.received_ms for e in entries}
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: list[asyncio.Task[None]] = []

        async def send(chunk: list[IndexedDoc]) -> None:
            try:
                await self._write_chunk(chunk, received)
            finally:
                slots.release()

        async def launch(chunk: list[IndexedDoc]) -> None:
            await slots.acquire()
            in_flight.append(asyncio.create_task(send(chunk)))

        chunk: list[IndexedDoc] = []
        try:
            for entry in entries:
                chunk.extend(documents(entry))
                while len(chunk) >= self.batch_docs:
                    await launch(chunk[: self.batch_docs])
                    chunk = chunk[self.batch_docs :]
                await asyncio.sleep(0)  # building documents is CPU work: let requests through
            if chunk:
                await launch(chunk)
            await asyncio.gather(*in_flight)
        finally:
            for task in in_flight:
                task.cancel()

    async def _write_chunk(self, docs: list[IndexedDoc], received: dict[str, int]) -> None:
        pending = docs
        backoff = 0.5
        while pending:
            try:
                pending = await self._bulk(pending, received)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # transport errors, Elasticsearch down
                log.warning("bulk of %d documents failed: %s; retrying", len(pending), exc)
            if pending:
                self.stats.retries += 1
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)

    def _target(self, doc: IndexedDoc, received: dict[str, int]) -> tuple[str, str]:
        ms = received[doc.id.split(".", 1)[0]]
        bucket = doc.source["bucket"]
        return self.indices.names.daily(doc.kind, bucket, ms), self.indices.names.alias(
            doc.kind, ms
        )

    async def _bulk(self, docs: list[IndexedDoc], received: dict[str, int]) -> list[IndexedDoc]:
        """One _bulk request; returns the documents to try again."""
        lines: list[bytes] = []
        targets: list[str] = []
        for doc in docs:
            index, alias = self._target(doc, received)
            await self.indices.ensure(index, alias)
            lines.append(orjson.dumps({"create": {"_index": index, "_id": doc.id}}))
            lines.append(orjson.dumps(doc.source))
            targets.append(index)
        body = b"\n".join(lines) + b"\n"  # NDJSON built once, with orjson
        response = await self.es.bulk(
            operations=body,  # type: ignore[arg-type]  # bytes are sent as they are
            filter_path="errors,items.*.status,items.*.error",
        )
        if not response.get("errors"):
            self.stats.indexed += len(docs)
            return []
        retry = []
        for doc, index, item in zip(docs, targets, response["items"], strict=True):
            result = item.get("create", {})
            status = int(result.get("status", 500))
            if status < 300:
                self.stats.indexed += 1
            elif status == 409:
                self.stats.already_there += 1
            elif retryable(status):
                retry.append(doc)
            elif status == 404:  # its daily index was deleted meanwhile: create it again
                self.indices.forget(index)
                retry.append(doc)
            else:
                self.stats.dead += 1
                log.error("document %s refused (%s): %s", doc.id, status, result.get("error"))
                await self.stream.dead_letter(doc.id, index, doc.source, result.get("error"))
        return retry
