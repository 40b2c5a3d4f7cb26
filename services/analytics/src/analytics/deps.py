"""Route dependencies as Annotated aliases over the one typed State born in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, Request
from meridian_kit.app import service_state
from redis.asyncio import Redis

from analytics.settings import Settings
from analytics.storage.indices import Indices
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


def _es(request: Request) -> AsyncElasticsearch:
    return state_of(request).es


def _settings(request: Request) -> Settings:
    return state_of(request).settings


def _indices(request: Request) -> Indices:
    return state_of(request).indices


def _redis(request: Request) -> Redis:
    return state_of(request).redis


def _jobs(request: Request) -> JobQueue:
    return state_of(request).jobs


StateDep = Annotated[State, Depends(state_of)]
EsDep = Annotated[AsyncElasticsearch, Depends(_es)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IndicesDep = Annotated[Indices, Depends(_indices)]
JobsDep = Annotated[JobQueue, Depends(_jobs)]
RedisDep = Annotated[Redis, Depends(_redis)]
