"""Building the Elasticsearch client from the EL_* settings."""

from __future__ import annotations

from elasticsearch import AsyncElasticsearch

from analytics.settings import Settings


def build_client(settings: Settings) -> AsyncElasticsearch:
    """An async client for the configured cluster; nothing connects until the first call."""
    auth = None
    if settings.el_username:
        auth = (settings.el_username, settings.el_password or "")
    return AsyncElasticsearch(
        settings.elasticsearch_urls,
        basic_auth=auth,
        request_timeout=settings.es_timeout,
        retry_on_timeout=True,
        max_retries=2,
    )
