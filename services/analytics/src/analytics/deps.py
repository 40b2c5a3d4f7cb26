"""Route dependencies as Annotated aliases: the clients born in the lifespan."""

from __future__ import annotations

from typing import Annotated

from elasticsearch import AsyncElasticsearch
from fastapi import Depends, Request
from redis.asyncio import Redis

from analytics.settings import Settings
from analytics.storage.indices import Indices
from analytics.worker.queue import JobQueue


def _es(request: Request) -> AsyncElasticsearch:
    return request.app.state.es


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _indices(request: Request) -> Indices:
    return request.app.state.indices


def _redis(request: Request) -> Redis:
    return request.app.state.redis


def _jobs(request: Request) -> JobQueue:
    return request.app.state.jobs


EsDep = Annotated[AsyncElasticsearch, Depends(_es)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IndicesDep = Annotated[Indices, Depends(_indices)]
JobsDep = Annotated[JobQueue, Depends(_jobs)]
RedisDep = Annotated[Redis, Depends(_redis)]
