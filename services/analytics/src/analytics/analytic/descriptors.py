"""Analytic descriptors: v2 models as discriminated unions, with the v1 forms mapped onto them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_serializer,
    model_validator,
)

from analytics.storage.indices import as_utc
from analytics.strict_types import Moment, Scalar

_MOVING_VALUE = re.compile(r"^([0-9]{1,12})([dwmy])$|^today$|^all$", re.IGNORECASE)
# A moving window reaches back at most this far (years 1-9999 bound what a date can hold).
_DAYS = {"d": 1, "w": 7, "m": 31, "y": 366}
_MAX_DAYS = 5000 * 366


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MovingWindow(Strict):
    """Counted back from today's midnight (UTC): `<N>d|w|m|y` (unit in any case, kept as
    written, as the original: `7D` stays `7D`), `today` or `all`."""

    type: Literal["moving"]
    value: str

    @model_validator(mode="after")
    def _value_format(self) -> MovingWindow:
        found = _MOVING_VALUE.match(self.value)
        if not found:
            raise ValueError("value must be <N>d, <N>w, <N>m, <N>y, today or all")
        if found.group(1) is None:
            self.value = self.value.lower()
            return self
        amount, unit = int(found.group(1)), found.group(2)
        if amount * _DAYS[unit.lower()] > _MAX_DAYS:
            raise ValueError("value must not reach back beyond 5000 years")
        self.value = f"{amount}{unit}"
        return self

    @property
    def unit(self) -> str:
        """`d`, `w`, `m` or `y` (lowercase); empty for `today` and `all`."""
        return self.value[-1].lower() if self.value not in ("today", "all") else ""


class FixedWindow(Strict):
    """From start to end."""

    type: Literal["fixed"]
    start: Moment
    end: Moment

    @field_serializer("start", "end")
    def _iso(self, moment: datetime) -> str:
        """As the original wrote them: `isoformat()` of what was sent (`+00:00`, not `Z`)."""
        return moment.isoformat()

    @model_validator(mode="after")
    def _ordered(self) -> FixedWindow:
        if as_utc(self.start) > as_utc(self.end):
            raise ValueError("start must not be after end")
        return self


_WINDOW_NAMES = {"moving": "moving", "default": "moving", "fixed": "fixed", "custom": "fixed"}


def _normalise_window(raw: Any) -> Any:
    """Accepts the old names (DEFAULT/default → moving, CUSTOM/custom → fixed), any case."""
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        raw = {**raw, "type": _WINDOW_NAMES.get(raw["type"].lower(), raw["type"])}
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


class TaskCount(_Descriptor):
    """Tasks of the app (`project`) in a task manager (TASK_MANAGER_URL)."""

    type: Literal["count"]
    dimension: Literal["task"]
    metric: Literal["total", "new", "new_active", "active", "new_closed", "closed"]


class TransactionCount(_Descriptor):
    """Task transactions of the app, optionally of one task, in a task manager."""

    type: Literal["count"]
    dimension: Literal["transaction"]
    metric: Literal["total"]
    taskId: str | None = None


class UserSegmentation(_Descriptor):
    type: Literal["segmentation"]
    dimension: Literal["user"]
    metric: Literal["age", "gender"]


class MessageSegmentation(_Descriptor):
    type: Literal["segmentation"]
    dimension: Literal["message"]
    metric: Literal["all", "requests"]


class TransactionSegmentation(_Descriptor):
    """Task transactions of the app by label, optionally of one task, in a task manager."""

    type: Literal["segmentation"]
    dimension: Literal["transaction"]
    metric: Literal["label"]
    taskId: str | None = None


def _lowercase(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class Filter(Strict):
    field: str = Field(min_length=1)
    operation: Annotated[
        Literal["gr", "gre", "lq", "lqe", "term", "match"], BeforeValidator(_lowercase)
    ]
    value: Scalar


class AggregationDescriptor(_Descriptor):
    type: Literal["aggregation"]
    field: str = Field(min_length=1)
    aggregation: Annotated[
        Literal[
            "avg",
            "min",
            "max",
            "sum",
            "stats",
            "extended_stats",
            "value_count",
            "cardinality",
            "percentiles",
        ],
        BeforeValidator(_lowercase),
    ]
    # Stored as `[]` when none were given, as the original stored them.
    filters: Annotated[list[Filter], BeforeValidator(lambda v: [] if v is None else v)] = []
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
# 1.x task metrics were `t:*` under dimension `task` or `transaction`.
V1_TASK_METRICS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("task", "t:total"): ("count", "task", "total"),
    ("task", "t:active"): ("count", "task", "active"),
    ("task", "t:closed"): ("count", "task", "closed"),
    ("task", "t:new"): ("count", "task", "new"),
    ("transaction", "t:total"): ("count", "transaction", "total"),
    ("transaction", "t:segmentation"): ("segmentation", "transaction", "label"),
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
        task_key = (str(out.get("dimension")), str(metric))
        if isinstance(metric, str) and metric in V1_METRICS:
            out["type"], out["dimension"], out["metric"] = V1_METRICS[metric]
        elif task_key in V1_TASK_METRICS:
            out["type"], out["dimension"], out["metric"] = V1_TASK_METRICS[task_key]
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
    | TaskCount
    | TransactionCount
    | UserSegmentation
    | MessageSegmentation
    | TransactionSegmentation
    | AggregationDescriptor
)
TaskManagerDescriptor = TaskCount | TransactionCount | TransactionSegmentation


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
    | Annotated[TaskCount, Tag("count:task")]
    | Annotated[TransactionCount, Tag("count:transaction")]
    | Annotated[UserSegmentation, Tag("segmentation:user")]
    | Annotated[MessageSegmentation, Tag("segmentation:message")]
    | Annotated[TransactionSegmentation, Tag("segmentation:transaction")]
    | Annotated[AggregationDescriptor, Tag("aggregation")],
    Discriminator(
        _tag,
        custom_error_type="descriptor_kind",
        custom_error_message=(
            "type must be count (dimension user, message, conversation, dialogue, bot, task "
            "or transaction), segmentation (dimension user, message or transaction) or aggregation"
        ),
    ),
]

Descriptor = Annotated[_TAGGED, BeforeValidator(upgrade_v1)]

descriptor_adapter: TypeAdapter[Any] = TypeAdapter(Descriptor)


def parse_descriptor(raw: Any) -> AnyDescriptor:
    """Validates a stored or posted descriptor (v1 or v2); raises pydantic's ValidationError."""
    return descriptor_adapter.validate_python(raw)


def descriptor_document(descriptor: AnyDescriptor) -> dict[str, Any]:
    """The v2 form stored in the analytic document (a transaction's `taskId` kept, even null)."""
    document = descriptor.model_dump(mode="json", exclude_none=True)
    if isinstance(descriptor, TransactionCount | TransactionSegmentation):
        document["taskId"] = descriptor.taskId
    return document
