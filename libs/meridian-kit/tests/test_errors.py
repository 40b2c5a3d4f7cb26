"""error_responses(): the `responses=` a route declares its error codes with."""

from __future__ import annotations

from fastapi import APIRouter
from meridian_kit.app import create_service_app
from meridian_kit.errors import ErrorBody, error_responses
from pydantic import BaseModel

router = APIRouter()


class Other(BaseModel):
    status: str
    code: int


@router.get("/guarded", responses=error_responses(401, 403, 503))
async def guarded() -> dict[str, str]:
    """A route that declares its errors."""
    return {}


@router.get("/other", responses=error_responses(400, model=Other))
async def other() -> dict[str, str]:
    """A route of a service with its own error shape."""
    return {}


def test_each_code_is_declared_with_the_error_body() -> None:
    spec = create_service_app("kit-test", routers=[router]).openapi()
    responses = spec["paths"]["/guarded"]["get"]["responses"]
    assert {"401", "403", "503"} <= set(responses)
    for code in ("401", "403", "503"):
        schema = responses[code]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "WWW-Authenticate" in responses["401"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]
    body = spec["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["error"]
    assert set(body["properties"]) == {"error", "detail"}


def test_another_model_replaces_the_error_body() -> None:
    spec = create_service_app("kit-test", routers=[router]).openapi()
    schema = spec["paths"]["/other"]["get"]["responses"]["400"]["content"]["application/json"]
    assert schema["schema"] == {"$ref": "#/components/schemas/Other"}


def test_the_model_validates_the_kits_bodies() -> None:
    body = ErrorBody(error="invalid request: x", detail=[{"field": "x", "message": "bad"}])
    assert body.model_dump() == {
        "error": "invalid request: x",
        "detail": [{"field": "x", "message": "bad"}],
    }


@router.post("/undeclared")
async def undeclared(thing: Other, page: int = 0) -> Other:
    """A route declaring none of the kit's own answers."""
    return thing


def test_the_kits_own_answers_are_declared_and_422_is_not() -> None:
    spec = create_service_app("kit-test", routers=[router]).openapi()
    responses = spec["paths"]["/undeclared"]["post"]["responses"]
    assert "422" not in responses
    assert {"400", "413", "503"} <= set(responses)
    assert "Retry-After" in responses["503"]["headers"]
    guarded = spec["paths"]["/guarded"]["get"]["responses"]
    assert "413" not in guarded  # no body, no JSON rule
    other = spec["paths"]["/other"]["get"]["responses"]
    # the kit's 503 comes in the shape the route already uses for its errors
    assert other["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Other"
    }
    assert "503" not in spec["paths"]["/healthz"]["get"]["responses"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    ready = spec["paths"]["/readyz"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReadyBody"
    }
