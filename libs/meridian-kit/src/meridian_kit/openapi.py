"""What the kit itself answers, declared in every service's OpenAPI so the document stays true.

The kit answers some requests before a route runs: 503 + Retry-After when the instance is full
(every route but health, readiness and metrics), 400 and 413 for a JSON body the JSON rule refuses
(every route taking a body), 400 for what FastAPI calls a validation error (the kit's handlers answer
400, never 422). `declare_kit_answers` adds those codes where a route did not declare them, with the
error body the route already uses for its other errors (analytics' own shape), else ErrorBody.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from meridian_kit.concurrency import EXEMPT_PATHS
from meridian_kit.errors import ErrorBody

_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
_ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}
_RETRY_AFTER = {
    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}},
}
_KIT_ANSWERS = {
    "400": "Bad request: a malformed or refused body or parameter (the kit's rules name the field)",
    "413": "Payload too large (MAX_JSON_BODY_BYTES)",
    "503": "Unavailable: a datastore is down, or the instance is at MAX_CONCURRENT_REQUESTS",
}


# One Server-Sent Event as OpenAPI before 3.2 describes it (the `schema` of text/event-stream is
# each event's fields; 3.2 would name it `itemSchema`): schemathesis checks every event against it.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "description": "JSON"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


def event_stream_response(description: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses` entry for a 200 answered as Server-Sent Events."""
    return {
        200: {
            "description": description,
            "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
        }
    }


def declare_kit_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds to each operation the codes the kit may answer for it; returns the schema."""
    for path, operations in schema.get("paths", {}).items():
        if path in EXEMPT_PATHS:
            continue
        for method, operation in operations.items():
            if method in _METHODS:
                _declare(schema, operation)
    _drop_unused_validation_schemas(schema)
    return schema


def _drop_unused_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI's 422 body models, once no 422 refers to them."""
    schemas = schema.get("components", {}).get("schemas", {})
    if "HTTPValidationError" not in schemas:
        return
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError" not in json.dumps(schemas):
            schemas.pop("ValidationError", None)


def _declare(schema: dict[str, Any], operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    content = _error_content(schema, responses)
    wanted = ["503"]
    if responses.pop("422", None) is not None or operation.get("parameters"):
        wanted.append("400")
    if "requestBody" in operation:
        wanted += ["400", "413"]
    for code in wanted:
        if code not in responses:
            entry: dict[str, Any] = {"description": _KIT_ANSWERS[code], "content": content}
            if code == "503":
                entry["headers"] = copy.deepcopy(_RETRY_AFTER)
            responses[code] = entry


def _error_content(schema: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """The content of an error the operation already declares, else the kit's ErrorBody."""
    for code, response in sorted(responses.items()):
        if code[:1] in ("4", "5") and code != "422" and "content" in response:
            return copy.deepcopy(response["content"])
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
    return {"application/json": {"schema": dict(_ERROR_BODY_REF)}}
