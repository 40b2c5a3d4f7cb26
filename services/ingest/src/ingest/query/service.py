"""Searches over a bucket's daily indices: metric series, logs, exceptions, events."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest, Unavailable

from ingest.query.params import interval_ms, refuse
from ingest.storage.indices import IndexNames

TOP_LEVEL_METRICS = {"cpu": "cpu", "memory": "memory"}


def filters(bucket: str, frm: int, to: int, **terms: Any) -> list[dict[str, Any]]:
    """The bucket, the time range and every given term."""
    out: list[dict[str, Any]] = [
        {"term": {"bucket": bucket}},
        {"range": {"@timestamp": {"gte": frm, "lte": to, "format": "epoch_millis"}}},
    ]
    out += [{"term": {field: value}} for field, value in terms.items() if value not in (None, "")]
    return out


def search_error(exc: Exception) -> BadRequest | Unavailable:
    """What a failed search answers: a 400 when Elasticsearch refused the query itself (its status
    400), else a 503 — an index whose shards are not (yet) available fails the search with a 503
    `search_phase_execution_exception`, which is an outage to retry, not the client's fault."""
    if getattr(exc, "status_code", None) == 400:
        return BadRequest(f"query refused by elasticsearch: {exc}")
    return Unavailable(f"elasticsearch unavailable: {type(exc).__name__}", retry_after=5)


class QueryService:
    """Read-side queries per bucket; Elasticsearch faults become 503."""

    def __init__(self, es: AsyncElasticsearch, names: IndexNames):
        self.es = es
        self.names = names

    async def _search(self, kind: str, bucket: str, **body: Any) -> Any:
        try:
            return await self.es.search(
                index=self.names.of_bucket(kind, bucket),
                ignore_unavailable=True,
                allow_no_indices=True,
                **body,
            )
        except Exception as exc:
            raise search_error(exc) from exc

    async def metric_series(
        self,
        *,
        bucket: str,
        name: str,
        interval: str,
        frm: int,
        to: int,
        server: str | None,
        process: str | None,
    ) -> dict[str, Any]:
        """avg and max of a metric per interval."""
        interval_ms(interval, frm, to)
        query = {
            "bool": {"filter": filters(bucket, frm, to, server=server, **{"process.name": process})}
        }
        histogram = {"field": "@timestamp", "fixed_interval": interval, "min_doc_count": 1}
        field = TOP_LEVEL_METRICS.get(name)
        if field:
            inner: dict[str, Any] = {
                "avg": {"avg": {"field": field}},
                "max": {"max": {"field": field}},
            }
        else:
            inner = {
                "m": {
                    "nested": {"path": "metrics"},
                    "aggs": {
                        "named": {
                            "filter": {"term": {"metrics.name": name}},
                            "aggs": {
                                "avg": {"avg": {"field": "metrics.value"}},
                                "max": {"max": {"field": "metrics.value"}},
                            },
                        }
                    },
                }
            }
        result = await self._search(
            "status",
            bucket,
            size=0,
            query=query,
            aggs={"series": {"date_histogram": histogram, "aggs": inner}},
        )
        points = []
        for b in result.get("aggregations", {}).get("series", {}).get("buckets", []):
            values = b if field else b["m"]["named"]
            if not field and values["doc_count"] == 0:
                continue
            points.append(
                {
                    "t": b["key"],
                    "avg": values["avg"]["value"],
                    "max": values["max"]["value"],
                    "count": values["doc_count"],
                }
            )
        return {"metric": name, "interval": interval, "from": frm, "to": to, "points": points}

    async def metric_names(self, *, bucket: str, frm: int, to: int) -> list[str]:
        """Every metric name reported in the range (cpu and memory always)."""
        result = await self._search(
            "status",
            bucket,
            size=0,
            query={"bool": {"filter": filters(bucket, frm, to)}},
            aggs={
                "m": {
                    "nested": {"path": "metrics"},
                    "aggs": {"names": {"terms": {"field": "metrics.name", "size": 1000}}},
                }
            },
        )
        names = [
            b["key"]
            for b in result.get("aggregations", {}).get("m", {}).get("names", {}).get("buckets", [])
        ]
        return ["cpu", "memory", *sorted(names)]

    async def logs(
        self,
        *,
        bucket: str,
        text: str | None,
        server: str | None,
        process: str | None,
        stream: str | None,
        frm: int,
        to: int,
        size: int,
        offset: int,
    ) -> dict[str, Any]:
        """Log lines matching the text and filters, newest first."""
        if offset + size > 10_000:
            raise refuse("offset", "offset + size must not exceed 10000")
        must = [{"match": {"message": {"query": text, "operator": "and"}}}] if text else []
        query = {
            "bool": {
                "must": must,
                "filter": filters(
                    bucket, frm, to, server=server, stream=stream, **{"process.name": process}
                ),
            }
        }
        result = await self._search(
            "logs",
            bucket,
            query=query,
            size=size,
            from_=offset,
            sort=[{"@timestamp": "desc"}, {"_doc": "desc"}],
            track_total_hits=True,
        )
        hits = result["hits"]
        items = [
            {
                "at": h["_source"]["@timestamp"],
                "server": h["_source"]["server"],
                "process": h["_source"].get("process"),
                "stream": h["_source"].get("stream"),
                "message": h["_source"].get("message"),
            }
            for h in hits["hits"]
        ]
        return {"total": hits["total"]["value"], "offset": offset, "size": size, "items": items}

    async def exceptions(
        self, *, bucket: str, server: str | None, process: str | None, frm: int, to: int, size: int
    ) -> list[dict[str, Any]]:
        """Exceptions grouped by message and stack: count, first and last seen, a sample."""
        query = {
            "bool": {"filter": filters(bucket, frm, to, server=server, **{"process.name": process})}
        }
        aggs = {
            "groups": {
                "terms": {"field": "fingerprint", "size": size, "order": {"last": "desc"}},
                "aggs": {
                    "first": {"min": {"field": "@timestamp"}},
                    "last": {"max": {"field": "@timestamp"}},
                    "processes": {"terms": {"field": "process.name", "size": 20}},
                    "sample": {
                        "top_hits": {
                            "size": 1,
                            "sort": [{"@timestamp": "desc"}],
                            "_source": ["name", "message", "stack", "process", "server"],
                        }
                    },
                },
            }
        }
        result = await self._search("exceptions", bucket, size=0, query=query, aggs=aggs)
        groups = []
        for b in result.get("aggregations", {}).get("groups", {}).get("buckets", []):
            sample = b["sample"]["hits"]["hits"][0]["_source"]
            groups.append(
                {
                    "fingerprint": b["key"],
                    "count": b["doc_count"],
                    "first_seen": int(b["first"]["value"]),
                    "last_seen": int(b["last"]["value"]),
                    "name": sample.get("name"),
                    "message": sample.get("message"),
                    "stack": sample.get("stack"),
                    "processes": [p["key"] for p in b["processes"]["buckets"]],
                }
            )
        return groups

    async def events(
        self,
        *,
        bucket: str,
        channel: str | None,
        server: str | None,
        process: str | None,
        frm: int,
        to: int,
        size: int,
        offset: int,
    ) -> dict[str, Any]:
        """The events timeline (process events, replies, human events, other channels), newest first."""
        if offset + size > 10_000:
            raise refuse("offset", "offset + size must not exceed 10000")
        query = {
            "bool": {
                "filter": filters(
                    bucket, frm, to, channel=channel, server=server, **{"process.name": process}
                )
            }
        }
        result = await self._search(
            "events",
            bucket,
            query=query,
            size=size,
            from_=offset,
            sort=[{"@timestamp": "desc"}, {"_doc": "desc"}],
            track_total_hits=True,
        )
        hits = result["hits"]
        items = []
        for h in hits["hits"]:
            src = h["_source"]
            item = {
                "at": src["@timestamp"],
                "channel": src.get("channel"),
                "server": src.get("server"),
                "process": src.get("process"),
            }
            item.update({k: src[k] for k in ("event", "name", "action_name") if k in src})
            item["payload"] = (src.get("data") or {}).get("payload")
            items.append(item)
        return {"total": hits["total"]["value"], "offset": offset, "size": size, "items": items}
