"""Everything a request needs, built once in the lifespan and reached through dependencies."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import Annotated

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer
from fastapi import Depends
from meridian_kit.redis_urls import async_redis
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from ingest.agent.commands import CommandRouter
from ingest.agent.registry import SessionRegistry
from ingest.alerts.engine import AlertEngine
from ingest.alerts.mailer import Mailer, MailQueue, SmtpConfig
from ingest.alerts.store import RuleStore
from ingest.buckets.service import BucketService
from ingest.buckets.store import BucketStore
from ingest.forwarder.forwarder import Forwarder
from ingest.intake.bulk_writer import WriterStats
from ingest.intake.pipeline import FrameIntake
from ingest.intake.stream import IntakeStream
from ingest.keys import RedisKeys
from ingest.live.hub import LiveHub
from ingest.settings import Settings
from ingest.storage.indices import IndexManager, IndexNames


@dataclass
class Ingest:
    """The clients and domain services of one ingest instance."""

    settings: Settings
    instance: str
    es: AsyncElasticsearch
    mongo: AsyncMongoClient
    redis: Redis
    keys: RedisKeys
    buckets: BucketService
    rules: RuleStore
    indices: IndexManager
    stream: IntakeStream
    intake: FrameIntake
    alerts: AlertEngine
    mailer: Mailer
    live: LiveHub
    commands: CommandRouter
    sessions: SessionRegistry
    forwarder: Forwarder | None
    writer_stats: WriterStats


def build(settings: Settings) -> Ingest:
    """Creates the clients (they connect lazily) and wires the services together."""
    instance = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    es = AsyncElasticsearch(
        settings.elasticsearch_hosts, request_timeout=30, serializer=OrjsonSerializer()
    )
    mongo: AsyncMongoClient = AsyncMongoClient(settings.mongo_url, serverSelectionTimeoutMS=3000)
    db = mongo.get_database(settings.mongo_database)
    redis = async_redis(settings.redis_url, socket_timeout=10, socket_connect_timeout=3)
    keys = RedisKeys(settings.redis_prefix)
    store = BucketStore(db)
    rules = RuleStore(db)
    host, port = settings.smtp_endpoint
    mailer = Mailer(
        SmtpConfig(host, port, settings.smtp_user, settings.smtp_password, settings.smtp_sender),
        redis,
        MailQueue(keys.mail, keys.mail_group, keys.mail_dead),
        consumer=instance,
    )
    alerts = AlertEngine(redis, keys, rules, mailer)
    stream = IntakeStream(
        redis,
        keys.intake,
        keys.intake_group,
        settings.backlog_max_entries,
        keys.intake_dead,
        observe_key=keys.observe,
    )
    forwarder = None
    if settings.metrics_api_url:
        forwarder = Forwarder(
            redis=redis,
            key=keys.forward,
            group=keys.forward_group,
            consumer=instance,
            url=settings.metrics_api_url,
            table=settings.metrics_api_table,
            token=settings.metrics_api_write_token,
            batch=settings.forward_batch,
        )
    return Ingest(
        settings=settings,
        instance=instance,
        es=es,
        mongo=mongo,
        redis=redis,
        keys=keys,
        buckets=BucketService(store, redis, keys),
        rules=rules,
        indices=IndexManager(es, IndexNames(settings.index_prefix), settings.index_replicas),
        stream=stream,
        intake=FrameIntake(stream=stream, redis=redis, keys=keys),
        alerts=alerts,
        mailer=mailer,
        live=LiveHub(redis, keys),
        commands=CommandRouter(redis, keys, instance, settings.command_timeout),
        sessions=SessionRegistry(redis, keys, store, instance),
        forwarder=forwarder,
        writer_stats=WriterStats(),
    )


def get_ingest(conn: HTTPConnection) -> Ingest:
    """The instance's Ingest, for routes and websockets alike."""
    return conn.app.state.ingest


IngestDep = Annotated[Ingest, Depends(get_ingest)]
