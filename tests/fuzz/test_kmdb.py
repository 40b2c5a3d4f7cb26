"""kmdb-import's OpenAPI holds under fuzzing, with the API token."""

from __future__ import annotations

import os


def test_kmdb_answers_every_input_as_its_openapi_says(fuzz) -> None:  # type: ignore[no-untyped-def]
    token = os.environ.get("KMDB_API_TOKEN", "")
    fuzz("/kmdb/", headers={"Authorization": f"Bearer {token}"}).assert_clean()
