"""JSON log lines on stderr, each carrying the request id of the request being served."""

from __future__ import annotations

import logging
import sys

from asgi_correlation_id import correlation_id
from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served (or "-") on every record as `request_id`, whole:
    the id the gateway logs and returns, at most 128 characters (meridian_kit.app.SAFE_REQUEST_ID)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always passes the record, with its request id."""
        record.request_id = correlation_id.get() or "-"
        return True


def configure_logging(service: str, *, debug: bool = False) -> None:
    """Sends every log record, uvicorn's included, as one JSON line with service and request_id."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
