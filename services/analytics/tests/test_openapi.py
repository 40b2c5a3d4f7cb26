"""The OpenAPI document is true: every route declares its answer and each error it can give."""

from __future__ import annotations

OPEN = {"/healthz", "/readyz", "/metrics", "/documentation"}


def typed(schema: dict) -> bool:
    """Whether a schema names its fields (a model), not just "an object"."""
    if "$ref" in schema or schema.get("properties"):
        return True
    if schema.get("type") == "array":
        return typed(schema.get("items", {}))
    if "anyOf" in schema:
        return all(typed(option) for option in schema["anyOf"])
    return False


async def test_every_route_declares_its_answers_and_errors(client):
    document = (await client.get("/openapi.json")).json()
    status_body = {"$ref": "#/components/schemas/StatusBody"}
    checked = 0
    for path, operations in document["paths"].items():
        if path in OPEN:
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for code in ("400", "401", "503"):
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == status_body, (method, path, code)
            success = next(code for code in responses if code.startswith("2"))
            schema = responses[success]["content"]["application/json"]["schema"]
            if "text/csv" in responses[success]["content"]:  # a file: csv/tsv text or JSON
                schema = {"anyOf": [schema["items"]["anyOf"][0]]}
            assert typed(schema), (method, path, schema)  # a response model, not a bare object
            checked += 1
    # the 1.x click counters included; the analytics list, message pages and exports
    assert checked == 21
    compute = document["paths"]["/analytic/compute"]["post"]["responses"]
    assert "429" in compute and "Retry-After" in compute["429"]["headers"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
