"""Prometheus metrics at /metrics and Sentry when SENTRY_DSN is set."""

from __future__ import annotations

import os

from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator


def expose_prometheus(app: FastAPI) -> None:
    """Counts and times every request and serves them at /metrics."""
    Instrumentator(excluded_handlers=["/metrics", "/healthz", "/readyz"]).instrument(app).expose(
        app, endpoint="/metrics", include_in_schema=False
    )


def init_sentry(service: str) -> bool:
    """Turns Sentry on when SENTRY_DSN is set (with SENTRY_RELEASE and SENTRY_ENVIRONMENT)."""
    dsn = os.environ.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        release=os.environ.get("SENTRY_RELEASE") or None,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
        server_name=service,
        send_default_pii=False,
    )
    return True
