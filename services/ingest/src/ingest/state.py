"""What the lifespan builds once per process, typed: the settings, the three engines' clients and
each domain's stores and services over them (routes get them one by one through ingest.deps)."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch
from elasticsearch.serializer import OrjsonSerializer
from meridian_kit.redis_urls import async_redis
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from ingest.agent.actions import CommandService
from ingest.agent.commands import CommandRouter
from ingest.agent.registry import SessionRegistry
from ingest.agent.store import AgentStore
from ingest.alerts.engine import AlertEngine
from ingest.alerts.mailer import Mailer, MailQueue, SmtpConfig
from ingest.alerts.service import RuleService
from ingest.alerts.state import AlertState
from ingest.alerts.store import RuleStore
from ingest.buckets.removal import BucketRemoval
from ingest.buckets.service import BucketService
from ingest.buckets.store import BucketStore
from ingest.forwarder.forwarder import Forwarder
from ingest.intake.bulk_writer import WriterStats
from ingest.intake.pipeline import FrameIntake
from ingest.intake.stream import IntakeStream
from ingest.keys import RedisKeys
from ingest.live.hub import LiveHub
from ingest.query.servers import ServerService
from ingest.query.service import QueryService
from ingest.settings import Settings
from ingest.storage.indices import IndexManager, IndexNames
from ingest.versions import CacheVersions


@dataclass(frozen=True)
class State:
    """One ingest instance's clients, stores and services; the lifespan yields it and the kit keeps it (meridian_kit.app.state_dependency)."""

    settings: Settings
    instance: str
    # the engines
    es: AsyncElasticsearch
    mongo: AsyncMongoClient
    redis: Redis
    keys: RedisKeys
    # stores (each owns its engine's queries)
    rules: RuleStore
    agents: AgentStore
    indices: IndexManager
    stream: IntakeStream
    # services
    buckets: BucketService
    removal: BucketRemoval
    alert_rules: RuleService
    servers: ServerService
    queries: QueryService
    actions: CommandService
    intake: FrameIntake
    alerts: AlertEngine
    mailer: Mailer
    live: LiveHub
    commands: CommandRouter
    sessions: SessionRegistry
    forwarder: Forwarder | None
    writer_stats: WriterStats

    @classmethod
    def build(cls, settings: Settings) -> State:
        """Creates the clients (they connect lazily) and wires the services together."""
        instance = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        es = AsyncElasticsearch(
            settings.elasticsearch_hosts, request_timeout=30, serializer=OrjsonSerializer()
        )
        mongo: AsyncMongoClient = AsyncMongoClient(
            settings.mongo_url, serverSelectionTimeoutMS=3000
        )
        redis = async_redis(settings.redis_url, socket_timeout=10, socket_connect_timeout=3)
        keys = RedisKeys(settings.redis_prefix)
        db = mongo.get_database(settings.mongo_database)
        store, rules = BucketStore(db), RuleStore(db)
        agents = AgentStore(redis, keys)
        indices = IndexManager(es, IndexNames(settings.index_prefix), settings.index_replicas)
        stream = intake_stream(settings, redis, keys)
        mailer = mailer_of(settings, redis, keys, instance)
        versions = CacheVersions(redis, keys)
        alerts = AlertEngine(
            state=AlertState(redis, keys), versions=versions, rules=rules, mailer=mailer
        )
        buckets = BucketService(store, versions)
        alert_rules = RuleService(buckets=store, rules=rules, alerts=alerts)
        commands = CommandRouter(redis, keys, agents, instance, settings.command_timeout)
        sessions = SessionRegistry(agents, store, instance)
        commands.deliver, commands.disconnect = sessions.deliver, sessions.disconnect
        return cls(
            settings=settings,
            instance=instance,
            es=es,
            mongo=mongo,
            redis=redis,
            keys=keys,
            rules=rules,
            agents=agents,
            indices=indices,
            stream=stream,
            buckets=buckets,
            removal=BucketRemoval(
                buckets=buckets, rules=alert_rules, indices=indices, agents=agents
            ),
            alert_rules=alert_rules,
            servers=ServerService(store, agents),
            queries=QueryService(es, indices.names),
            actions=CommandService(agents=agents, commands=commands),
            intake=FrameIntake(stream=stream, redis=redis, keys=keys),
            alerts=alerts,
            mailer=mailer,
            live=LiveHub(redis, keys),
            commands=commands,
            sessions=sessions,
            forwarder=forwarder_of(settings, redis, keys, instance),
            writer_stats=WriterStats(),
        )

    async def close(self) -> None:
        """Closes the engines' clients."""
        await self.es.close()
        await self.mongo.close()
        await self.redis.aclose()


def intake_stream(settings: Settings, redis: Redis, keys: RedisKeys) -> IntakeStream:
    """The durable intake stream, bounded by INGEST_BACKLOG_MAX."""
    return IntakeStream(
        redis,
        keys.intake,
        keys.intake_group,
        settings.backlog_max_entries,
        keys.intake_dead,
        observe_key=keys.observe,
    )


def mailer_of(settings: Settings, redis: Redis, keys: RedisKeys, instance: str) -> Mailer:
    """The alert mail queue and its SMTP sender."""
    host, port = settings.smtp_endpoint
    return Mailer(
        SmtpConfig(host, port, settings.smtp_user, settings.smtp_password, settings.smtp_sender),
        redis,
        MailQueue(keys.mail, keys.mail_group, keys.mail_dead),
        consumer=instance,
    )


def forwarder_of(
    settings: Settings, redis: Redis, keys: RedisKeys, instance: str
) -> Forwarder | None:
    """The metrics forwarder, when INGEST_METRICS_API_URL is set."""
    if not settings.metrics_api_url:
        return None
    return Forwarder(
        redis=redis,
        key=keys.forward,
        group=keys.forward_group,
        consumer=instance,
        url=settings.metrics_api_url,
        table=settings.metrics_api_table,
        token=settings.metrics_api_write_token,
        batch=settings.forward_batch,
    )
