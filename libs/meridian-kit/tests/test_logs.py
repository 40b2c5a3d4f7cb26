"""The kit's JSON log lines carry the whole request id under `request_id`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from asgi_correlation_id import correlation_id
from meridian_kit.logs import configure_logging


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Puts the root logger back as it was after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_log_line_names_the_whole_request_id(root_handlers, capsys) -> None:
    configure_logging("kit-test")
    request_id = "operator@console:" + "7" * 100
    token = correlation_id.set(request_id)
    try:
        logging.getLogger("kit.test").info("inside a request")
    finally:
        correlation_id.reset(token)
    logging.getLogger("kit.test").info("outside")
    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert inside["request_id"] == request_id
    assert inside["service"] == "kit-test" and inside["message"] == "inside a request"
    assert outside["request_id"] == "-"
