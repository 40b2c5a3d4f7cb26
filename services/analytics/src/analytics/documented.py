"""Answers passed through as stored (their bytes unchanged) but declared in OpenAPI by a model.

A stored message or log is answered as Elasticsearch holds it: validating it through a model
would reorder its keys and add absent ones as null, and the original's clients compare bytes.
`documented(Model)` is `dict[str, Any]` at run time and `Model`'s schema (inlined) in OpenAPI.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, WithJsonSchema


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, every `$defs` reference inlined (OpenAPI has no `$defs`)."""
    schema = model.model_json_schema(mode="serialization")
    return dict(_inline(schema, schema.get("$defs", {})))


def documented(model: type[BaseModel]) -> Any:
    """A response type: the answer as built (a dict), documented by `model`."""
    return Annotated[dict[str, Any], WithJsonSchema(schema_of(model))]


def documented_list(model: type[BaseModel]) -> Any:
    """A response type: a list of answers as built (dicts), each documented by `model`."""
    schema = {"type": "array", "items": schema_of(model)}
    return Annotated[list[dict[str, Any]], WithJsonSchema(schema)]
