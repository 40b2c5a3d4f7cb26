"""metrics-api's error bodies in the original's shapes: the kit's {"error", "detail"} plus
`"success": false` where the original's dashboard writes said so, and marshmallow's
{"errors": {field: [message]}} on a refused request."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError, error_body, validation_detail

# marshmallow's words for the refusals the original's clients could meet
MARSHMALLOW_MESSAGES = {
    "missing": "Missing data for required field.",
    "string_type": "Not a valid string.",
    "dict_type": "Not a valid mapping type.",
    "float_parsing": "Not a valid number.",
    "float_type": "Not a valid number.",
}
LOCATIONS = ("body", "query", "path", "header")


class Unsuccessful(ServiceError):
    """A refused dashboard write: its body also says `"success": false`, as the original's."""


def field_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    """The refusals as marshmallow wrote them: {"name": ["Missing data for required field."]};
    a body that is not an object at all is `_schema`."""
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in LOCATIONS]
        message = MARSHMALLOW_MESSAGES.get(err.get("type", ""), err.get("msg", "invalid"))
        out.setdefault(".".join(loc) or "_schema", []).append(message)
    return out


def install_original_errors(app: FastAPI) -> None:
    """Adds the original's fields to the kit's error bodies (registered after the kit's handlers)."""

    async def unsuccessful(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Unsuccessful)
        body: dict[str, Any] = {"success": False, **error_body(exc.message, exc.detail)}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers or None)

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        detail = validation_detail(exc)
        fields = ", ".join(d["field"] for d in detail)
        body = {**error_body(f"invalid request: {fields}", detail), "errors": field_errors(exc)}
        return JSONResponse(body, status_code=400)

    app.add_exception_handler(Unsuccessful, unsuccessful)
    app.add_exception_handler(RequestValidationError, refused)
