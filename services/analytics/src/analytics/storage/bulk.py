"""Bulk writes and deletes as raw NDJSON (orjson), reporting every item that failed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_scan
from meridian_kit.errors import BadRequest

from analytics.errors import StoreFailed


@dataclass(frozen=True)
class Write:
    """One document to index under a chosen id (given as a dict, or already as JSON bytes)."""

    index: str
    id: str
    document: dict[str, Any] | bytes


@dataclass(frozen=True)
class ItemError:
    """One bulk item Elasticsearch refused."""

    position: int
    id: str
    status: int
    reason: str


def raise_for_refused(
    errors: Sequence[ItemError], *, total: int, kind: str, name_of: Callable[[int], str]
) -> None:
    """Turns a bulk's refused items into one error naming the first of them.

    BadRequest only when every refusal is the input's fault (a 4xx other than 429); otherwise
    StoreFailed (503 + Retry-After), so the client retries and what failed for the store's reasons is not dropped.
    """
    if not errors:
        return
    first = errors[0]
    message = (
        f"could not store {len(errors)} of {total} {kind}s; "
        f"{kind} {first.position} ({name_of(first.position)}): {first.reason}"
    )
    if all(400 <= e.status < 500 and e.status != 429 for e in errors):
        raise BadRequest(message)
    raise StoreFailed(message)


def ndjson(writes: Iterable[Write]) -> bytes:
    """The `_bulk` body indexing these documents."""
    out = bytearray()
    for write in writes:
        out += orjson.dumps({"index": {"_index": write.index, "_id": write.id}})
        out += b"\n"
        document = write.document
        out += document if isinstance(document, bytes) else orjson.dumps(document)
        out += b"\n"
    return bytes(out)


def _errors(items: Sequence[dict[str, Any]]) -> list[ItemError]:
    failed = []
    for position, item in enumerate(items):
        result = next(iter(item.values()))
        if result.get("status", 500) >= 300 and not (
            "delete" in item and result.get("status") == 404
        ):
            error = result.get("error") or {}
            reason = error.get("reason") if isinstance(error, dict) else str(error)
            failed.append(ItemError(position, result.get("_id", ""), result["status"], str(reason)))
    return failed


async def bulk_index(
    es: AsyncElasticsearch, writes: Sequence[Write], *, refresh: bool = False
) -> list[ItemError]:
    """Indexes the documents in one `_bulk`; returns the items refused (empty when all stored)."""
    if not writes:
        return []
    response = await es.bulk(
        operations=ndjson(writes),  # type: ignore[arg-type]
        refresh="wait_for" if refresh else False,
    )
    if not response.get("errors"):
        return []
    return _errors(response["items"])


async def bulk_delete(
    es: AsyncElasticsearch, targets: Sequence[tuple[str, str]], *, refresh: bool = True
) -> list[ItemError]:
    """Deletes (index, id) pairs in one `_bulk`; a document already gone is not an error."""
    if not targets:
        return []
    body = b"".join(
        orjson.dumps({"delete": {"_index": index, "_id": doc_id}}) + b"\n"
        for index, doc_id in targets
    )
    response = await es.bulk(operations=body, refresh=refresh)  # type: ignore[arg-type]
    return _errors(response["items"]) if response.get("errors") else []


async def matching_documents(
    es: AsyncElasticsearch, index: str, query: dict[str, Any], *, batch: int = 1000
) -> AsyncIterator[list[tuple[str, str]]]:
    """Every (index, id) a query matches, in batches, through a scroll (a core API)."""
    chunk: list[tuple[str, str]] = []
    async for hit in async_scan(
        es,
        index=index,
        query={"query": query, "_source": False},
        size=batch,
        scroll="2m",
        ignore_unavailable=True,
        allow_no_indices=True,
    ):
        chunk.append((hit["_index"], hit["_id"]))
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def delete_matching(
    es: AsyncElasticsearch, index: str, query: dict[str, Any], *, batch: int = 1000
) -> int:
    """Deletes every document a query matches, without `_delete_by_query`; returns how many."""
    deleted = 0
    async for chunk in matching_documents(es, index, query, batch=batch):
        errors = await bulk_delete(es, chunk, refresh=False)
        if errors:
            first = errors[0]
            raise RuntimeError(f"could not delete {len(errors)} documents: {first.reason}")
        deleted += len(chunk)
    await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    return deleted
