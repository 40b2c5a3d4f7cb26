"""Index templates with explicit mappings: user data never grows the mapping.

Every kind has `dynamic: false` at the root, so unknown fields stay in _source unindexed; user metric
names become values of a nested `metrics: [{name, value, text, unit}]` list, never field names; raw
payloads sit in `data`, an object that is stored but not indexed.
"""

from __future__ import annotations

from typing import Any

KEYWORD = {"type": "keyword", "ignore_above": 512}
DATE = {"type": "date", "format": "epoch_millis||strict_date_optional_time"}

COMMON: dict[str, Any] = {
    "@timestamp": DATE,
    "received_at": DATE,
    "bucket": {"type": "keyword"},
    "server": KEYWORD,
    "channel": KEYWORD,
    "process": {
        "properties": {"name": KEYWORD, "pm_id": KEYWORD, "rev": KEYWORD},
    },
    "data": {"type": "object", "enabled": False},
}

KIND_FIELDS: dict[str, dict[str, Any]] = {
    "status": {
        "pid": {"type": "long"},
        "status": KEYWORD,
        "cpu": {"type": "double"},
        "memory": {"type": "long"},
        "restart_time": {"type": "long"},
        "pm_uptime": DATE,
        "exec_mode": KEYWORD,
        "node_env": KEYWORD,
        "unique_id": KEYWORD,
        "actions": KEYWORD,
        "metrics": {
            "type": "nested",
            "properties": {
                "name": KEYWORD,
                "value": {"type": "double"},
                "text": KEYWORD,
                "unit": KEYWORD,
            },
        },
    },
    "logs": {
        "stream": KEYWORD,
        "message": {"type": "text"},
    },
    "exceptions": {
        "name": KEYWORD,
        "message": {
            "type": "text",
            "fields": {"keyword": {"type": "keyword", "ignore_above": 1024}},
        },
        "stack": {"type": "text"},
        "fingerprint": {"type": "keyword"},
    },
    "events": {
        "event": KEYWORD,
        "name": KEYWORD,
        "action_name": KEYWORD,
        "summary": {"type": "text"},
    },
    "traces": {
        "trace_id": KEYWORD,
        "span_id": KEYWORD,
        "parent_id": KEYWORD,
        "span_name": KEYWORD,
        "kind": KEYWORD,
        "duration": {"type": "long"},
    },
    "profilings": {
        "type": KEYWORD,
        "uuid": KEYWORD,
        "success": {"type": "boolean"},
    },
}

KINDS = tuple(KIND_FIELDS)


def template_body(prefix: str, kind: str, replicas: int) -> dict[str, Any]:
    """The composable index template for one kind's daily indices."""
    return {
        "index_patterns": [f"{prefix}-{kind}-*"],
        "priority": 100,
        "template": {
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": replicas,
            },
            "mappings": {
                "dynamic": False,
                "properties": {**COMMON, **KIND_FIELDS[kind]},
            },
        },
        "_meta": {"owner": "meridian ingest"},
    }
