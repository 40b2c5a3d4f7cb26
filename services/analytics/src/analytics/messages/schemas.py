"""The message models: a discriminated union on `type`, content a union on its own `type`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from analytics.strict_types import FiniteFloat, FreeJson, FreeObject, Moment


class Strict(BaseModel):
    """Unknown keys are refused, so a typo is a 400 naming the field."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Button(Strict):
    type: Literal["action"] = "action"
    buttonText: str
    buttonId: str | None = None


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
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


RequestContent = Annotated[
    TextRequestContent | ActionRequestContent | AttachmentRequestContent | LocationRequestContent,
    Field(discriminator="type"),
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
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    buttons: list[Button] = Field(default_factory=list)


class CarouselCard(Strict):
    title: str
    imageUrl: str | None = None
    subtitle: str | None = None
    defaultAction: FreeObject | None = None
    buttons: list[Button] = Field(default_factory=list)


class CarouselContent(Strict):
    type: Literal["carousel"]
    cards: list[CarouselCard] = Field(min_length=1)


ResponseContent = Annotated[
    TextResponseContent
    | MultiActionContent
    | AttachmentResponseContent
    | LocationResponseContent
    | CarouselContent,
    Field(discriminator="type"),
]


class Intent(Strict):
    name: str | None = None
    confidence: FiniteFloat | None = None


class Entity(Strict):
    type: str
    value: FreeJson
    confidence: FiniteFloat


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


Message = Annotated[
    RequestMessage | ResponseMessage | NotificationMessage, Field(discriminator="type")
]

MessageType = Literal["request", "response", "notification"]


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
