"""Route dependencies as Annotated aliases over the one typed State born in the lifespan, and the
message filter GET /messages and /messages/page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, Query, Request
from meridian_kit.app import service_state, state_dependency
from redis.asyncio import Redis

from analytics.messages.schemas import MessageFilter, message_type_of
from analytics.settings import Settings
from analytics.storage.indices import Indices
from analytics.strict_types import Moment, Text
from analytics.worker.queue import JobQueue


@dataclass(frozen=True)
class State:
    """Everything the lifespan builds once (it yields it, the kit carries it) and routes depend on."""

    settings: Settings
    es: AsyncElasticsearch
    redis: Redis
    indices: Indices
    jobs: JobQueue


def state_of(request: Request) -> State:
    """The app's State (yielded by the lifespan before the first request)."""
    return service_state(request.app, State)


# async dependencies: FastAPI runs them in the event loop (a `def` one costs a thread hop)
StateDep = Annotated[State, Depends(state_dependency(State))]


async def _es(state: StateDep) -> AsyncElasticsearch:
    return state.es


async def _settings(state: StateDep) -> Settings:
    return state.settings


async def _indices(state: StateDep) -> Indices:
    return state.indices


async def _redis(state: StateDep) -> Redis:
    return state.redis


async def _jobs(state: StateDep) -> JobQueue:
    return state.jobs


EsDep = Annotated[AsyncElasticsearch, Depends(_es)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IndicesDep = Annotated[Indices, Depends(_indices)]
JobsDep = Annotated[JobQueue, Depends(_jobs)]
RedisDep = Annotated[Redis, Depends(_redis)]


async def message_filter(
    project: Text,
    fromTime: Moment,
    toTime: Moment,
    userId: Text | None = None,
    channel: Text | None = None,
    type: Annotated[
        Text | None, Query(description="request, response or notification, in any case")
    ] = None,
    conversationId: Annotated[
        Text | None, Query(description="only this conversation's messages (not in the original)")
    ] = None,
) -> MessageFilter:
    """The filter of GET /messages and /messages/page, from their query parameters."""
    return MessageFilter(
        project=project,
        from_time=fromTime,
        to_time=toTime,
        user_id=userId,
        channel=channel,
        message_type=message_type_of(type),
        conversation_id=conversationId,
    )


MessageFilterDep = Annotated[MessageFilter, Depends(message_filter)]
