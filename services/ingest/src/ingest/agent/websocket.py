"""The agents' websocket, /interaction: keys checked on the upgrade, then frames both ways."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError, Unavailable, error_body

from ingest.agent.commands import CommandRouter
from ingest.agent.registry import SessionRegistry
from ingest.agent.session import AgentSession, SessionClosed
from ingest.auth import keys_bucket
from ingest.buckets.service import BucketService
from ingest.deps import BucketsDep, CommandsDep, IntakeDep, SessionsDep, SettingsDep
from ingest.intake.pipeline import FrameIntake
from ingest.intake.stream import BacklogFull
from ingest.settings import Settings

log = logging.getLogger("ingest.agent")

router = APIRouter(tags=["agent"])


async def deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuses the upgrade with an HTTP status and a JSON body (a close frame if unsupported)."""
    try:
        await websocket.send_denial_response(JSONResponse(error_body(message), status_code=status))
    except RuntimeError:
        await websocket.close(code=1008, reason=message[:120])


async def open_session(
    websocket: WebSocket,
    *,
    settings: Settings,
    buckets: BucketService,
    intake: FrameIntake,
    sessions: SessionRegistry,
    commands: CommandRouter,
) -> AgentSession | None:
    """Checks the upgrade's headers; the session, or None once refused."""
    headers = websocket.headers
    server = (headers.get("x-km-server") or "").strip()
    if not server or len(server) > 256:
        await deny(websocket, 400, "missing or too long X-KM-SERVER (the machine name)")
        return None
    try:
        # the kit's rule, as on every HTTP route: missing or wrong keys are a 401
        bucket = await keys_bucket(buckets, headers.get("x-km-public"), headers.get("x-km-secret"))
    except ServiceError as exc:
        await deny(websocket, exc.status_code, exc.message)
        return None
    except Exception as exc:
        # our storage failing: refused with a 503 the agent retries after, logged here
        log.warning("websocket of %r refused, keys not checked: %r", server, exc)
        await deny(websocket, 503, f"ingest storage unavailable: {type(exc).__name__}")
        return None

    def accept(session: AgentSession, channel: str, payload: Any) -> Awaitable[str]:
        return intake.submit(session.bucket, session.server, [(channel, payload)])

    return AgentSession(
        ws=websocket,
        bucket=bucket,
        server=server,
        pm2_version=headers.get("x-pm2-version", ""),
        max_bytes=settings.max_message_bytes,
        accept=accept,
        presence=sessions.presence,
        stream_logs=settings.stream_logs,
        reply=commands.reply,
    )


async def receive_frames(websocket: WebSocket, session: AgentSession) -> tuple[int, str]:
    """Hands the agent's frames to its session until it leaves; the close code and reason to
    answer with (code 0: the agent closed, nothing to send)."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return 0, ""
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes")
            if raw is not None:
                await session.on_message(raw)
    except SessionClosed as exc:
        return exc.code, exc.reason
    except BacklogFull:
        return 1013, "intake backlog full, retry later"
    except Unavailable:
        return 1011, "intake unavailable, retry later"
    except WebSocketDisconnect:
        return 0, ""
    except Exception:
        log.exception("agent session %s failed", session.server)
        return 1011, "internal error"


@router.websocket("/interaction")
async def interaction(
    websocket: WebSocket,
    settings: SettingsDep,
    buckets: BucketsDep,
    intake: IntakeDep,
    sessions: SessionsDep,
    commands: CommandsDep,
) -> None:
    """A PM2 agent's connection: status, logs, events in; commands out."""
    session = await open_session(
        websocket,
        settings=settings,
        buckets=buckets,
        intake=intake,
        sessions=sessions,
        commands=commands,
    )
    if session is None:
        return
    await websocket.accept()
    sessions.register(session)
    # Recording the server (MongoDB, slow under load) never holds up the agent's frames.
    opening = asyncio.create_task(sessions.opened(session))
    # Before any frame is read, so the agent always sees it before any command or answer.
    if settings.stream_logs:
        try:
            await session.start_logging()
        except Exception as exc:  # the socket is already gone: the receive loop sees it next
            log.info("startLogging to %s not sent: %r", session.server, exc)
    housekeeping = asyncio.create_task(session.housekeeping())
    try:
        code, reason = await receive_frames(websocket, session)
    finally:
        housekeeping.cancel()
        opening.cancel()
        await session.settle()
        try:
            await finish(opening, session.server)
        finally:
            await sessions.closed(session)
    if code:
        try:
            await websocket.close(code=code, reason=reason[:120])
        except Exception as exc:  # the agent may have gone first: nothing left to tell it
            log.debug("closing %s's websocket: %r", session.server, exc)


async def finish(opening: asyncio.Task[None], server: str) -> None:
    """Waits for the (cancelled) recording of the server; logs it if it had failed."""
    outcome = (await asyncio.gather(opening, return_exceptions=True))[0]
    if isinstance(outcome, Exception):
        log.warning("recording server %s as connected failed: %r", server, outcome)
