"""analytics' OpenAPI holds under fuzzing, with the API key."""

from __future__ import annotations

import os


def test_analytics_answers_every_input_as_its_openapi_says(fuzz) -> None:  # type: ignore[no-untyped-def]
    fuzz("/analytics/", headers={"X-Api-Key": os.environ.get("APIKEY", "")}).assert_clean()
