"""The agents' websocket, /interaction: keys checked on the upgrade, then frames both ways."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError, Unavailable, error_body

from ingest.agent.session import AgentSession, SessionClosed
from ingest.auth import keys_bucket
from ingest.context import Ingest, IngestDep
from ingest.intake.stream import BacklogFull

log = logging.getLogger("ingest.agent")

router = APIRouter(tags=["agent"])


async def deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuses the upgrade with an HTTP status and a JSON body (a close frame if unsupported)."""
    try:
        await websocket.send_denial_response(JSONResponse(error_body(message), status_code=status))
    except RuntimeError:
        await websocket.close(code=1008, reason=message[:120])


async def open_session(websocket: WebSocket, ingest: Ingest) -> AgentSession | None:
    """Checks the upgrade's headers; the session, or None once refused."""
    headers = websocket.headers
    server = (headers.get("x-km-server") or "").strip()
    if not server or len(server) > 256:
        await deny(websocket, 400, "missing or too long X-KM-SERVER (the machine name)")
        return None
    try:
        # the kit's rule, as on every HTTP route: missing or wrong keys are a 401
        bucket = await keys_bucket(ingest, headers.get("x-km-public"), headers.get("x-km-secret"))
    except ServiceError as exc:
        await deny(websocket, exc.status_code, exc.message)
        return None
    except Exception as exc:
        await deny(websocket, 503, f"ingest storage unavailable: {type(exc).__name__}")
        return None

    async def accept(session: AgentSession, channel: str, payload: Any) -> None:
        await ingest.intake.accept(session.bucket, session.server, [(channel, payload)])

    settings = ingest.settings
    return AgentSession(
        ws=websocket,
        bucket=bucket,
        server=server,
        pm2_version=headers.get("x-pm2-version", ""),
        max_bytes=settings.max_message_bytes,
        accept=accept,
        presence=ingest.sessions.presence,
        stream_logs=settings.stream_logs,
        reply=ingest.commands.reply,
    )


@router.websocket("/interaction")
async def interaction(websocket: WebSocket, ingest: IngestDep) -> None:
    """A PM2 agent's connection: status, logs, events in; commands out."""
    session = await open_session(websocket, ingest)
    if session is None:
        return
    await websocket.accept()
    ingest.sessions.register(session)
    # Recording the server (MongoDB, slow under load) never holds up the agent's frames.
    opening = asyncio.create_task(ingest.sessions.opened(session))
    # Before any frame is read, so the agent always sees it before any command or answer.
    if ingest.settings.stream_logs:
        with contextlib.suppress(Exception):
            await session.start_logging()
    housekeeping = asyncio.create_task(session.housekeeping())
    code, reason = 1000, "bye"
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                code = 0
                break
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes")
            if raw is not None:
                await session.on_message(raw)
    except SessionClosed as exc:
        code, reason = exc.code, exc.reason
    except BacklogFull:
        code, reason = 1013, "intake backlog full, retry later"
    except Unavailable:
        code, reason = 1011, "intake unavailable, retry later"
    except WebSocketDisconnect:
        code = 0
    except Exception:
        log.exception("agent session %s failed", session.server)
        code, reason = 1011, "internal error"
    finally:
        housekeeping.cancel()
        opening.cancel()
        with contextlib.suppress(BaseException):
            await opening
        await ingest.sessions.closed(session)
    if code:
        with contextlib.suppress(Exception):
            await websocket.close(code=code, reason=reason[:120])
