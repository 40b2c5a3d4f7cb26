"""Analytic descriptors: v2 models as discriminated unions, with the v1 forms mapped onto them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    model_validator,
)

from analytics.strict_types import Moment, Scalar

_MOVING_VALUE = re.compile(r"^([0-9]{1,12})([dwmy])$|^today$|^all$")
# A moving window reaches back at most this far (years 1-9999 bound what a date can hold).
_DAYS = {"d": 1, "w": 7, "m": 31, "y": 366}
_MAX_DAYS = 5000 * 366


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MovingWindow(Strict):
    """Counted back from today's midnight (UTC): `<N>d|w|m|y`, `today` or `all`."""

    type: Literal["moving"]
    value: str

    @model_validator(mode="after")
    def _value_format(self) -> MovingWindow:
        self.value = self.value.lower()
        found = _MOVING_VALUE.match(self.value)
        if not found:
            raise ValueError("value must be <N>d, <N>w, <N>m, <N>y, today or all")
        if found.group(1) is not None and int(found.group(1)) * _DAYS[found.group(2)] > _MAX_DAYS:
            raise ValueError("value must not reach back beyond 5000 years")
        return self


class FixedWindow(Strict):
    """From start to end."""

    type: Literal["fixed"]
    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _ordered(self) -> FixedWindow:
        if self.start > self.end:
            raise ValueError("start must not be after end")
        return self


_WINDOW_NAMES = {"moving": "moving", "default": "moving", "fixed": "fixed", "custom": "fixed"}


def _normalise_window(raw: Any) -> Any:
    """Accepts the old names (DEFAULT/default → moving, CUSTOM/custom → fixed), any case."""
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        raw = {**raw, "type": _WINDOW_NAMES.get(raw["type"].lower(), raw["type"])}
        if raw["type"] == "moving" and isinstance(raw.get("value"), str):
            raw["value"] = raw["value"].lower()
    return raw


TimeWindow = Annotated[
    Annotated[MovingWindow | FixedWindow, Field(discriminator="type")],
    BeforeValidator(_normalise_window),
]


class _Descriptor(Strict):
    timespan: TimeWindow
    project: str = Field(min_length=1)


class UserCount(_Descriptor):
    type: Literal["count"]
    dimension: Literal["user"]
    metric: Literal["total", "active", "engaged", "new"]


class MessageCount(_Descriptor):
    type: Literal["count"]
    dimension: Literal["message"]
    metric: Literal["requests", "responses", "notifications", "from_bot"]


class ConversationCount(_Descriptor):
    type: Literal["count"]
    dimension: Literal["conversation"]
    metric: Literal["total", "new"]


class DialogueCount(_Descriptor):
    type: Literal["count"]
    dimension: Literal["dialogue"]
    metric: Literal["fallback", "intents", "domains"]


class BotCount(_Descriptor):
    type: Literal["count"]
    dimension: Literal["bot"]
    metric: Literal["response"]


class UserSegmentation(_Descriptor):
    type: Literal["segmentation"]
    dimension: Literal["user"]
    metric: Literal["age", "gender"]


class MessageSegmentation(_Descriptor):
    type: Literal["segmentation"]
    dimension: Literal["message"]
    metric: Literal["all", "requests"]


class Filter(Strict):
    field: str = Field(min_length=1)
    operation: Literal["gr", "gre", "lq", "lqe", "term", "match"]
    value: Scalar


class AggregationDescriptor(_Descriptor):
    type: Literal["aggregation"]
    field: str = Field(min_length=1)
    aggregation: Literal[
        "avg",
        "min",
        "max",
        "sum",
        "stats",
        "extended_stats",
        "value_count",
        "cardinality",
        "percentiles",
    ]
    filters: list[Filter] | None = None
    dimension: str | None = None
    metric: str | None = None


# v1 metric → (v2 type, dimension, metric), from the original's 1.x → 2.x renames.
V1_METRICS: dict[str, tuple[str, str, str]] = {
    "u:total": ("count", "user", "total"),
    "u:active": ("count", "user", "active"),
    "u:engaged": ("count", "user", "engaged"),
    "u:new": ("count", "user", "new"),
    "a:segmentation": ("segmentation", "user", "age"),
    "g:segmentation": ("segmentation", "user", "gender"),
    "m:from_users": ("count", "message", "requests"),
    "m:from_user": ("count", "message", "requests"),
    "m:segmentation": ("segmentation", "message", "all"),
    "r:segmentation": ("segmentation", "message", "requests"),
    "u:segmentation": ("segmentation", "message", "requests"),
    "m:from_bot": ("count", "message", "from_bot"),
    "m:responses": ("count", "message", "responses"),
    "m:notifications": ("count", "message", "notifications"),
    "c:total": ("count", "conversation", "total"),
    "c:new": ("count", "conversation", "new"),
    "d:fallback": ("count", "dialogue", "fallback"),
    "d:intents": ("count", "dialogue", "intents"),
    "d:domains": ("count", "dialogue", "domains"),
    "b:response": ("count", "bot", "response"),
}


def upgrade_v1(raw: Any) -> Any:
    """Maps a v1 descriptor (`type: analytic`, `u:total`, ...) onto v2; lowercases the tags."""
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    for key in ("type", "dimension", "metric"):
        if isinstance(out.get(key), str):
            out[key] = out[key].lower()
    if out.get("type") == "analytic":
        metric = out.get("metric")
        if isinstance(metric, str) and metric in V1_METRICS:
            out["type"], out["dimension"], out["metric"] = V1_METRICS[metric]
        else:
            # Removed in 2.0 (c:path, c:length, m:unhandled) or task-manager metrics: no v2 form.
            out["type"] = "segmentation" if str(metric).endswith(":segmentation") else "count"
    return out


AnyDescriptor = (
    UserCount
    | MessageCount
    | ConversationCount
    | DialogueCount
    | BotCount
    | UserSegmentation
    | MessageSegmentation
    | AggregationDescriptor
)


def _tag(raw: Any) -> str | None:
    """`count:user`, `segmentation:message`, `aggregation`: which model validates a descriptor."""
    if isinstance(raw, BaseModel):
        raw = raw.model_dump()
    if not isinstance(raw, dict):
        return None
    if raw.get("type") == "aggregation":
        return "aggregation"
    return f"{raw.get('type')}:{raw.get('dimension')}"


_TAGGED = Annotated[
    Annotated[UserCount, Tag("count:user")]
    | Annotated[MessageCount, Tag("count:message")]
    | Annotated[ConversationCount, Tag("count:conversation")]
    | Annotated[DialogueCount, Tag("count:dialogue")]
    | Annotated[BotCount, Tag("count:bot")]
    | Annotated[UserSegmentation, Tag("segmentation:user")]
    | Annotated[MessageSegmentation, Tag("segmentation:message")]
    | Annotated[AggregationDescriptor, Tag("aggregation")],
    Discriminator(
        _tag,
        custom_error_type="descriptor_kind",
        custom_error_message=(
            "type must be count (dimension user, message, conversation, dialogue or bot), "
            "segmentation (dimension user or message) or aggregation"
        ),
    ),
]

Descriptor = Annotated[_TAGGED, BeforeValidator(upgrade_v1)]

descriptor_adapter: TypeAdapter[Any] = TypeAdapter(Descriptor)


def parse_descriptor(raw: Any) -> AnyDescriptor:
    """Validates a stored or posted descriptor (v1 or v2); raises pydantic's ValidationError."""
    return descriptor_adapter.validate_python(raw)


def descriptor_document(descriptor: AnyDescriptor) -> dict[str, Any]:
    """The v2 form stored in the analytic document."""
    return descriptor.model_dump(mode="json", exclude_none=True)
