"""metrics-api's OpenAPI holds under fuzzing, with the write token (it grants reads too)."""

from __future__ import annotations

import os


def test_metrics_answers_every_input_as_its_openapi_says(fuzz) -> None:  # type: ignore[no-untyped-def]
    token = os.environ.get("METRICS_API_WRITE_TOKEN", "")
    fuzz("/metrics/", headers={"Authorization": f"Bearer {token}"}).assert_clean()
