"""Turning accepted frames into Elasticsearch documents, one kind per channel family.

Ids are deterministic (`<stream entry id>.<frame>.<n>`), so indexing an entry twice can never
duplicate a document.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.agent.channels import as_dict
from ingest.intake.stream import Entry

Doc = dict[str, Any]
DAY_MS = 86_400_000
LONG_MAX = 2**63 - 1  # Elasticsearch's long
DATE_MS = (-62_135_596_800_000, 253_402_300_799_999)  # years 0001-9999


@dataclass(frozen=True)
class IndexedDoc:
    """A document with where it goes."""

    id: str
    kind: str
    source: Doc


def number(value: Any) -> float | None:
    """A metric value as a float: numbers and numeric strings ("10.23"); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def keyword(value: Any, limit: int = 1024) -> str | None:
    """A scalar as a keyword value (objects and arrays would break the field's mapping)."""
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def long(value: Any, low: int = -LONG_MAX - 1, high: int = LONG_MAX) -> int | None:
    """An integer Elasticsearch can store as a long (or a date) in [low, high]; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    return int(value) if low <= value <= high else None


def instant(value: Any, fallback: int) -> int:
    """Epoch milliseconds from a payload's `at` (ms, s or ISO), or the fallback when implausible."""
    ms: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        ms = value * 1000 if value < 1e11 else value
    elif isinstance(value, str):
        try:
            ms = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000
        except ValueError:
            ms = None
    if ms is None or abs(ms - fallback) > DAY_MS:
        return fallback
    return int(ms)


def process_of(payload: Any) -> Doc:
    """The {name, pm_id, rev} a bus event carries, when it does."""
    proc = payload.get("process") if isinstance(payload, dict) else None
    if not isinstance(proc, dict):
        return {}
    out: Doc = {}
    for key in ("name", "pm_id", "rev"):
        value = proc.get(key)
        if value is not None:
            out[key] = value if isinstance(value, str | int | float) else str(value)
    return out


def fingerprint(message: str, stack: str) -> str:
    """Same message and stack, same exception group."""
    return hashlib.sha1(f"{message}\n{stack}".encode(), usedforsecurity=False).hexdigest()


def metrics_of(monitor: Any) -> list[Doc]:
    """axm_monitor {"Heap Size": {value, unit, ...}} as a list of {name, value, text, unit}."""
    out: list[Doc] = []
    if not isinstance(monitor, dict):
        return out
    for name, entry in list(monitor.items())[:200]:
        raw = entry.get("value") if isinstance(entry, dict) else entry
        unit = entry.get("unit") if isinstance(entry, dict) else None
        item: Doc = {"name": str(name)[:256], "value": number(raw)}
        if raw is not None and not isinstance(raw, dict | list):
            item["text"] = str(raw)[:256]
        if isinstance(unit, str) and unit:
            item["unit"] = unit[:64]
        out.append(item)
    return out


def memory(value: Any) -> int | None:
    """A byte count for the `memory` long field."""
    amount = number(value)
    return int(amount) if amount is not None and 0 <= amount <= LONG_MAX else None


def status_docs(base: Doc, payload: Any) -> list[tuple[str, Doc]]:
    """One document per process of a status."""
    data = payload.get("data") if isinstance(payload, dict) else None
    processes = data.get("process") if isinstance(data, dict) else None
    if not isinstance(processes, list):
        return []
    docs = []
    for proc in processes:
        if not isinstance(proc, dict):
            continue
        actions = proc.get("axm_actions") or []
        doc = {
            **base,
            "process": {k: str(proc[k]) for k in ("name", "pm_id") if proc.get(k) is not None},
            "pid": long(proc.get("pid")) if isinstance(proc.get("pid"), int) else None,
            "status": keyword(proc.get("status")),
            "cpu": number(proc.get("cpu")),
            "memory": memory(proc.get("memory")),
            "restart_time": long(proc.get("restart_time"))
            if isinstance(proc.get("restart_time"), int)
            else None,
            "pm_uptime": long(proc.get("pm_uptime"), *DATE_MS)
            if isinstance(proc.get("pm_uptime"), int)
            else None,
            "exec_mode": keyword(proc.get("exec_mode")),
            "node_env": keyword(proc.get("node_env")),
            "unique_id": keyword(proc.get("unique_id")),
            "actions": [
                a.get("action_name")
                for a in actions
                if isinstance(a, dict) and a.get("action_name")
            ]
            if isinstance(actions, list)
            else [],
            "metrics": metrics_of(proc.get("axm_monitor")),
        }
        docs.append(("status", {k: v for k, v in doc.items() if v is not None}))
    return docs


def exception_doc(base: Doc, payload: Doc) -> Doc:
    """A process:exception, with the fingerprint its group is counted by."""
    data = as_dict(payload.get("data"))
    message = str(data.get("message") or data.get("msg") or "")[:10_000]
    stack = str(data.get("stack") or "")[:50_000]
    return {
        **base,
        "name": str(data.get("name") or "Error")[:256],
        "message": message,
        "stack": stack,
        "fingerprint": fingerprint(message, stack),
    }


def event_doc(base: Doc, channel: str, payload: Any) -> Doc:
    """Any other channel, kept whole in `data` with a few searchable fields."""
    doc = dict(base)
    if isinstance(payload, dict):
        data = as_dict(payload.get("data"))
        for key, value in (
            ("event", payload.get("event")),
            ("name", payload.get("name")),
            ("action_name", data.get("action_name") or payload.get("action_name")),
        ):
            if isinstance(value, str):
                doc[key] = value[:512]
    return doc


def trace_doc(base: Doc, payload: Any) -> Doc:
    """One Zipkin v2 span."""
    span = as_dict(payload)
    if isinstance(span.get("data"), dict):
        span = span["data"]
    fields = {
        "trace_id": keyword(span.get("traceId")),
        "span_id": keyword(span.get("id")),
        "parent_id": keyword(span.get("parentId")),
        "span_name": keyword(span.get("name")),
        "kind": keyword(span.get("kind")),
        "duration": long(span.get("duration")) if isinstance(span.get("duration"), int) else None,
    }
    return {**base, **{k: v for k, v in fields.items() if v is not None}}


def profiling_doc(base: Doc, payload: Any) -> Doc:
    """A profile or heap dump (its content stays in `data`, unindexed)."""
    body = as_dict(payload)
    inner = body["data"] if isinstance(body.get("data"), dict) else body
    fields = {
        "type": keyword(inner.get("type") or body.get("type")),
        "uuid": keyword(inner.get("uuid")),
        "success": inner.get("success") if isinstance(inner.get("success"), bool) else None,
    }
    return {**base, **{k: v for k, v in fields.items() if v is not None}}


def documents(entry: Entry) -> list[IndexedDoc]:
    """Every document an entry yields, with deterministic ids."""
    out: list[IndexedDoc] = []
    for i, (channel, payload) in enumerate(entry.frames):
        at = payload.get("at") if isinstance(payload, dict) else None
        base: Doc = {
            "@timestamp": instant(at, entry.received_ms),
            "received_at": entry.received_ms,
            "bucket": entry.bucket,
            "server": entry.server,
            "channel": channel,
            "process": process_of(payload),
        }
        if channel == "status":
            docs = status_docs(base, payload)
        elif channel == "logs" and isinstance(payload, dict):
            line = payload.get("data")
            docs = [
                (
                    "logs",
                    {
                        **base,
                        "stream": keyword(payload.get("log_type"), 64) or "out",
                        "message": line if isinstance(line, str) else str(line),
                    },
                )
            ]
        elif channel == "process:exception" and isinstance(payload, dict):
            docs = [("exceptions", {**exception_doc(base, payload), "data": payload})]
        elif channel == "trace-span":
            docs = [("traces", {**trace_doc(base, payload), "data": {"span": payload}})]
        elif channel in ("profilings", "profiling"):
            docs = [("profilings", {**profiling_doc(base, payload), "data": {"payload": payload}})]
        else:
            docs = [("events", {**event_doc(base, channel, payload), "data": {"payload": payload}})]
        for n, (kind, source) in enumerate(docs):
            out.append(IndexedDoc(id=f"{entry.id}.{i}.{n}", kind=kind, source=source))
    return out
