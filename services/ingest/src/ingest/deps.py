"""Route dependencies as Annotated aliases, one per thing a route needs (all from the typed State
the lifespan built), and the credential checks of ingest.auth as dependencies.

The getters are `async def` so FastAPI calls them in the event loop: a plain `def` dependency is run
in a worker thread, a hop per dependency on the push hot path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from meridian_kit.app import state_dependency
from starlette.requests import HTTPConnection

from ingest.agent.actions import CommandService
from ingest.agent.commands import CommandRouter
from ingest.agent.registry import SessionRegistry
from ingest.alerts.service import RuleService
from ingest.auth import bucket_for, check_admin, keys_bucket
from ingest.buckets.removal import BucketRemoval
from ingest.buckets.service import BucketService
from ingest.intake.pipeline import FrameIntake
from ingest.live.hub import LiveHub
from ingest.query.servers import ServerService
from ingest.query.service import QueryService
from ingest.settings import Settings
from ingest.state import State

StateDep = Annotated[State, Depends(state_dependency(State))]  # what the lifespan yielded


async def get_settings(state: StateDep) -> Settings:
    """The instance's settings."""
    return state.settings


async def get_buckets(state: StateDep) -> BucketService:
    """Buckets, users and the key lookup."""
    return state.buckets


async def get_removal(state: StateDep) -> BucketRemoval:
    """Deleting a bucket with everything kept for it."""
    return state.removal


async def get_alert_rules(state: StateDep) -> RuleService:
    """Alert rules per bucket."""
    return state.alert_rules


async def get_servers(state: StateDep) -> ServerService:
    """A bucket's servers, online or not."""
    return state.servers


async def get_queries(state: StateDep) -> QueryService:
    """Searches over a bucket's indices."""
    return state.queries


async def get_actions(state: StateDep) -> CommandService:
    """Commands to connected servers."""
    return state.actions


async def get_intake(state: StateDep) -> FrameIntake:
    """The one way frames enter."""
    return state.intake


async def get_live(state: StateDep) -> LiveHub:
    """The live fan-out."""
    return state.live


async def get_sessions(state: StateDep) -> SessionRegistry:
    """The agents connected to this instance."""
    return state.sessions


async def get_commands(state: StateDep) -> CommandRouter:
    """The command router (agents' answers go back through it)."""
    return state.commands


SettingsDep = Annotated[Settings, Depends(get_settings)]
BucketsDep = Annotated[BucketService, Depends(get_buckets)]
RemovalDep = Annotated[BucketRemoval, Depends(get_removal)]
AlertRulesDep = Annotated[RuleService, Depends(get_alert_rules)]
ServersDep = Annotated[ServerService, Depends(get_servers)]
QueryDep = Annotated[QueryService, Depends(get_queries)]
ActionsDep = Annotated[CommandService, Depends(get_actions)]
IntakeDep = Annotated[FrameIntake, Depends(get_intake)]
LiveDep = Annotated[LiveHub, Depends(get_live)]
SessionsDep = Annotated[SessionRegistry, Depends(get_sessions)]
CommandsDep = Annotated[CommandRouter, Depends(get_commands)]


async def require_admin(conn: HTTPConnection, settings: SettingsDep) -> None:
    """Admin routes: the admin token or an operator token (ingest.auth.check_admin)."""
    check_admin(conn, settings)


async def bucket_from_keys(conn: HTTPConnection, buckets: BucketsDep) -> dict[str, Any]:
    """The bucket whose X-KM-PUBLIC / X-KM-SECRET headers the request carries."""
    return await keys_bucket(
        buckets, conn.headers.get("x-km-public"), conn.headers.get("x-km-secret")
    )


async def bucket_access(
    bucket_id: str, conn: HTTPConnection, settings: SettingsDep, buckets: BucketsDep
) -> dict[str, Any]:
    """The bucket of the path, for the admin, an operator or that bucket's keys."""
    return await bucket_for(bucket_id, conn, settings, buckets)


AdminDep = Depends(require_admin)
KeysBucket = Annotated[dict[str, Any], Depends(bucket_from_keys)]
BucketDep = Annotated[dict[str, Any], Depends(bucket_access)]
