"""Liveness and readiness: /healthz says the process runs, /readyz that every datastore answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

Check = Callable[[], Awaitable[object]]


class Readiness:
    """The named round trips /readyz makes, one per datastore or peer the service needs."""

    def __init__(self, timeout: float = 3.0):
        self.timeout = timeout
        self.checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        """Registers a check: an async callable that raises when its engine does not answer."""
        self.checks[name] = check

    async def _run(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self.timeout):  # wait_for drops a cancellation (3.11)
                await check()
        except TimeoutError:
            return f"no answer within {self.timeout:g}s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
        return "ok"

    async def run(self) -> dict[str, str]:
        """Runs every check concurrently; maps each name to "ok" or the reason it failed."""
        names = list(self.checks)
        results = await asyncio.gather(*(self._run(self.checks[n]) for n in names))
        return dict(zip(names, results, strict=True))


class ReadyBody(BaseModel):
    """/readyz's answer: each check's result; on 503 the failed ones and a one-line error."""

    status: str
    checks: dict[str, str]
    failed: list[str] | None = None
    error: str | None = None


router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyBody,
    responses={503: {"model": ReadyBody, "description": "a datastore or peer did not answer"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Every datastore answered a real round trip; 503 naming the ones that did not."""
    readiness: Readiness = request.app.state.readiness
    results = await readiness.run()
    failed = sorted(name for name, result in results.items() if result != "ok")
    if failed:
        body = {"status": "unavailable", "failed": failed, "checks": results}
        body["error"] = "not ready: " + ", ".join(failed)
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "checks": results})
