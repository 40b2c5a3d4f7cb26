"""The message models: a discriminated union on `type`, content a union on its own `type`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, field_validator

from analytics.strict_types import FiniteFloat, FreeJson, FreeObject, Moment


class Strict(BaseModel):
    """Unknown keys are ignored (not stored), as the original ignored them."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, allow_inf_nan=False)


class Button(Strict):
    """A quick-action button; the original stores every button as type `action`."""

    type: Literal["action"] = "action"
    buttonText: str
    buttonId: str | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _always_action(cls, value: Any) -> str:
        return "action"


class TextRequestContent(Strict):
    type: Literal["text"]
    value: str


class ActionRequestContent(Strict):
    type: Literal["action"]
    value: str


class AttachmentRequestContent(Strict):
    type: Literal["attachment"]
    uri: str
    alternativeText: str | None = None


class LocationRequestContent(Strict):
    type: Literal["location"]
    latitude: FiniteFloat
    longitude: FiniteFloat


# What a messenger tells about its user, as the original's request content types (camelCase).
USER_INFO_TYPES = (
    "firstName",
    "lastName",
    "profilePic",
    "locale",
    "timezone",
    "gender",
    "isPaymentEnable",
    "userId",
)
UserInfoType = Literal[
    "firstName",
    "lastName",
    "profilePic",
    "locale",
    "timezone",
    "gender",
    "isPaymentEnable",
    "userId",
]


class UserInfoRequestContent(Strict):
    type: UserInfoType
    value: FreeJson = None


REQUEST_CONTENT_TYPES = ("text", "action", "attachment", "location", *USER_INFO_TYPES)
RESPONSE_CONTENT_TYPES = ("text", "multiaction", "attachment", "location", "carousel")
_CANONICAL = {name.lower(): name for name in REQUEST_CONTENT_TYPES + RESPONSE_CONTENT_TYPES}


def canonical_content(raw: Any) -> Any:
    """A content's `type` in any case → its canonical spelling (`TEXT` → `text`)."""
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        return {**raw, "type": _CANONICAL.get(raw["type"].lower(), raw["type"])}
    return raw


RequestContent = Annotated[
    Annotated[
        TextRequestContent
        | ActionRequestContent
        | AttachmentRequestContent
        | LocationRequestContent
        | UserInfoRequestContent,
        Field(discriminator="type"),
    ],
    BeforeValidator(canonical_content),
]


class TextResponseContent(Strict):
    type: Literal["text"]
    value: str
    buttons: list[Button] = Field(default_factory=list)


class MultiActionContent(Strict):
    type: Literal["multiaction"]
    buttons: list[Button]


class AttachmentResponseContent(Strict):
    type: Literal["attachment"]
    uri: str
    alternativeText: str | None = None
    buttons: list[Button] = Field(default_factory=list)


class LocationResponseContent(Strict):
    type: Literal["location"]
    latitude: FiniteFloat
    longitude: FiniteFloat
    buttons: list[Button] = Field(default_factory=list)


class CarouselCard(Strict):
    title: str
    imageUrl: str | None = None
    subtitle: str | None = None
    defaultAction: FreeObject | None = None
    buttons: list[Button] = Field(default_factory=list)


class CarouselContent(Strict):
    type: Literal["carousel"]
    cards: list[CarouselCard] = Field(default_factory=list)


ResponseContent = Annotated[
    Annotated[
        TextResponseContent
        | MultiActionContent
        | AttachmentResponseContent
        | LocationResponseContent
        | CarouselContent,
        Field(discriminator="type"),
    ],
    BeforeValidator(canonical_content),
]


class Intent(Strict):
    name: str | None = None
    confidence: FiniteFloat | None = None


class Entity(Strict):
    type: str
    value: FreeJson
    confidence: FiniteFloat | None = None


class MessageBase(Strict):
    messageId: str = Field(min_length=1)
    conversationId: str | None = None
    channel: str = Field(min_length=1)
    userId: str = Field(min_length=1)
    timestamp: Moment
    project: str = Field(min_length=1)
    metadata: FreeObject | None = None


class RequestMessage(MessageBase):
    type: Literal["request"]
    content: RequestContent | None = None
    domain: str | None = None
    intent: Intent | None = None
    entities: list[Entity] = Field(default_factory=list)
    language: str | None = None


class ResponseMessage(MessageBase):
    type: Literal["response"]
    content: ResponseContent | None = None
    responseTo: str | None = None


class NotificationMessage(MessageBase):
    type: Literal["notification"]
    content: ResponseContent | None = None


MESSAGE_TYPES = ("request", "response", "notification")


def canonical_message(raw: Any) -> Any:
    """A message's `type` in any case (`REQUEST`, `Request`) → lowercase, as stored."""
    if isinstance(raw, dict) and isinstance(raw.get("type"), str):
        lowered = raw["type"].lower()
        if lowered in MESSAGE_TYPES:
            return {**raw, "type": lowered}
    return raw


Message = Annotated[
    Annotated[RequestMessage | ResponseMessage | NotificationMessage, Field(discriminator="type")],
    BeforeValidator(canonical_message),
]

MessageType = Literal["request", "response", "notification"]


def message_type_of(asked: str | None) -> str | None:
    """A `type` filter as stored: a known type in any case lowercase; another value kept (it
    matches nothing, as the original)."""
    if asked is not None and asked.lower() in MESSAGE_TYPES:
        return asked.lower()
    return asked


@dataclass(frozen=True)
class MessageFilter:
    """Which messages a read (GET /messages, /messages/page, /export) asks for: a project's
    between two moments (`from_time` None: since ever), narrowed by any of the others."""

    project: str
    from_time: datetime | None
    to_time: datetime
    user_id: str | None = None
    channel: str | None = None
    message_type: str | None = None
    conversation_id: str | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything but the project and the time narrows it."""
        narrowing = (self.user_id, self.channel, self.message_type, self.conversation_id)
        return any(v is not None for v in narrowing)


@dataclass(frozen=True)
class MessageKey:
    """One message, named by its trace id or by (messageId, userId[, project])."""

    trace_id: str | None = None
    message_id: str | None = None
    user_id: str | None = None
    project: str | None = None


_message_adapter: TypeAdapter[Any] = TypeAdapter(Message)


def to_document(message: RequestMessage | ResponseMessage | NotificationMessage) -> bytes:
    """The stored form, as JSON: the message as sent, timestamp in ISO 8601."""
    return _message_adapter.dump_json(message)


class StoredResponse(BaseModel):
    """201 answer of POST /messages and POST /logs."""

    traceIds: list[str]
    status: str
    code: int


class StatusResponse(BaseModel):
    """The original's status answer."""

    status: str
    code: int


class StoredMessage(BaseModel):
    """A message as stored and read back (GET /message, /messages): the fields it was sent
    with (its type's), in the order stored, plus `traceId` on GET /message."""

    model_config = ConfigDict(extra="allow")

    traceId: str | None = Field(None, description="GET /message only: the document id")
    messageId: str
    conversationId: str | None = None
    channel: str
    userId: str
    timestamp: str = Field(description="ISO 8601, as sent")
    project: str
    metadata: dict[str, Any] | None = None
    type: MessageType
    content: dict[str, Any] | None = Field(None, description="the content, by its `type`")
    domain: str | None = Field(None, description="requests")
    intent: dict[str, Any] | None = Field(None, description="requests: {name, confidence}")
    entities: list[dict[str, Any]] | None = Field(None, description="requests")
    language: str | None = Field(None, description="requests")
    responseTo: str | None = Field(None, description="responses")
