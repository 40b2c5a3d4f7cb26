"""ingest's OpenAPI is true: every route names its answer's shape and every status it can give."""

from __future__ import annotations

from typing import Any

import pytest
from ingest.app import create_app
from ingest.settings import Settings

KIT_ROUTES = {"/healthz", "/readyz", "/metrics"}
# What every route guarded by credentials may answer besides its success.
GUARDED = {"400", "401", "403", "503"}


def operations(settings: Settings) -> list[tuple[str, str, dict[str, Any]]]:
    spec = create_app(settings).openapi()
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        if path not in KIT_ROUTES
        for method, operation in item.items()
    ]


def test_every_route_declares_its_success_and_errors(settings: Settings) -> None:
    found = operations(settings)
    assert len(found) >= 25
    for method, path, operation in found:
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (method, path)
        for code in success:
            if code != "204":
                content = responses[code].get("content", {})
                schema = next(iter(content.values()), {}).get("schema")
                assert schema not in (None, {}), (method, path, code)
        expected = {"400", "413", "503"} if path == "/api/node/verifyPM2" else GUARDED
        assert expected <= set(responses), (method, path, sorted(responses))
        for code, answer in responses.items():
            if code[0] in "45" and code != "422":
                schema = answer["content"]["application/json"]["schema"]
                # verifyPM2 refuses in the PM2 protocol's shape; everything else in the kit's
                shape = "Refused" if path == "/api/node/verifyPM2" and code < "500" else "ErrorBody"
                assert shape in str(schema), (method, path, code)


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        ("/api/buckets/{bucket_id}/servers/{server}/pm2", {"404", "409", "504"}),
        ("/api/push", {"413"}),
        ("/api/admin/users", {"409"}),
        ("/api/buckets/{bucket_id}/logs", {"404"}),
    ],
)
def test_routes_declare_their_particular_answers(
    settings: Settings, path: str, codes: set[str]
) -> None:
    declared = {
        code
        for _, p, operation in operations(settings)
        if p == path
        for code in operation["responses"]
    }
    assert codes <= declared, sorted(declared)
