"""Index templates for the three daily index families (applied by the first migrations)."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.indices import Indices

# Strings stay full-text with a `.keyword` sub-field, as dynamic mapping gives them, so the
# original's queries (`project.keyword`, `userId.keyword`, ...) keep working; dates are dates.
_KEYWORD_TEXT = {
    "type": "text",
    "fields": {"keyword": {"type": "keyword", "ignore_above": 256}},
}
_STRINGS = {
    "strings": {"match_mapping_type": "string", "mapping": _KEYWORD_TEXT},
}


def _settings() -> dict[str, Any]:
    # One replica as soon as the cluster has a second node to hold it, none on a single node.
    return {"number_of_shards": 1, "auto_expand_replicas": "0-1", "refresh_interval": "1s"}


def message_template() -> dict[str, Any]:
    """Mappings of `message-*`: ids as text+keyword, timestamp a date, free metadata."""
    return {
        "settings": _settings(),
        "mappings": {
            "dynamic_templates": [_STRINGS],
            "properties": {
                "timestamp": {"type": "date"},
                "messageId": _KEYWORD_TEXT,
                "conversationId": _KEYWORD_TEXT,
                "userId": _KEYWORD_TEXT,
                "project": _KEYWORD_TEXT,
                "channel": _KEYWORD_TEXT,
                "type": _KEYWORD_TEXT,
                "responseTo": _KEYWORD_TEXT,
                "domain": _KEYWORD_TEXT,
                "language": _KEYWORD_TEXT,
                "intent": {"properties": {"name": _KEYWORD_TEXT, "confidence": {"type": "float"}}},
                "content": {"properties": {"type": _KEYWORD_TEXT, "value": _KEYWORD_TEXT}},
            },
        },
    }


def analytic_template() -> dict[str, Any]:
    """Mappings of `analytic-*`: the descriptor is searched, the result is only stored."""
    return {
        "settings": _settings(),
        "mappings": {
            "dynamic_templates": [_STRINGS],
            "properties": {
                "id": _KEYWORD_TEXT,
                "createdAt": {"type": "date"},
                "descriptor": {
                    "properties": {
                        "type": _KEYWORD_TEXT,
                        "filters": {"type": "object", "enabled": False},
                        "project": _KEYWORD_TEXT,
                        "timespan": {
                            "properties": {
                                "type": _KEYWORD_TEXT,
                                "value": _KEYWORD_TEXT,
                                "start": {"type": "date"},
                                "end": {"type": "date"},
                            }
                        },
                    }
                },
                "result": {"type": "object", "enabled": False},
            },
        },
    }


def logging_template() -> dict[str, Any]:
    """Mappings of `logging-*`."""
    return {
        "settings": _settings(),
        "mappings": {
            "dynamic_templates": [_STRINGS],
            "properties": {
                "timestamp": {"type": "date"},
                "logId": _KEYWORD_TEXT,
                "project": _KEYWORD_TEXT,
                "component": _KEYWORD_TEXT,
                "severity": _KEYWORD_TEXT,
                "logContent": {"type": "text"},
                "authority": _KEYWORD_TEXT,
                "botVersion": _KEYWORD_TEXT,
            },
        },
    }


def templates(indices: Indices) -> dict[str, tuple[str, dict[str, Any]]]:
    """Template name → (index pattern, template body) for this prefix."""
    return {
        f"{indices.prefix}memex-message": (indices.messages, message_template()),
        f"{indices.prefix}memex-analytic": (indices.analytics, analytic_template()),
        f"{indices.prefix}memex-logging": (indices.logs, logging_template()),
    }


async def put_template(
    es: AsyncElasticsearch, name: str, pattern: str, template: dict[str, Any]
) -> None:
    """Creates or replaces one composable index template."""
    await es.indices.put_index_template(
        name=name, index_patterns=[pattern], template=template, priority=200
    )
