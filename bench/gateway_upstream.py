"""The cheap private services of bench/gateway_overhead.py, two kinds, both under uvicorn:

- `bare`: an ASGI app with nothing else, so that what the benchmark sees is nginx's cost alone;
- `kit`: a service as ours are built (meridian_kit's create_service_app: its middlewares, its
  /healthz, uvicorn with the kit's server options and collector threshold).

Each answers `GET /healthz` (a small JSON object) and `POST /discard` (reads the whole body, drops
it, answers its length). Run: `python bench/gateway_upstream.py --port N --kind bare|kit`
(127.0.0.1, one process).
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import APIRouter, Request
from meridian_kit.app import create_service_app
from meridian_kit.server import server_options, tune_gc

HEALTHZ = b'{"status":"ok","service":"bench-upstream"}'
JSON_HEADERS = [(b"content-type", b"application/json")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET /healthz and POST /discard; anything else is a 404."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST" and scope["path"] == "/discard":
        received = 0
        more = True
        while more:
            message = await receive()
            received += len(message.get("body", b""))
            more = message.get("more_body", False)
        status, body = 200, b'{"received":%d}' % received
    elif scope["method"] == "GET" and scope["path"] == "/healthz":
        status, body = 200, HEALTHZ
    else:
        status, body = 404, b'{"error":"not found","detail":null}'
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": body})


def kit_app() -> Any:
    """A service of the kit with one route of its own, POST /discard."""
    router = APIRouter()

    @router.post("/discard")
    async def discard(request: Request) -> dict[str, int]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
        return {"received": received}

    return create_service_app("bench-upstream", routers=[router])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kind", choices=["bare", "kit"], default="bare")
    args = parser.parse_args()
    if args.kind == "kit":
        tune_gc()
        uvicorn.run(kit_app(), host="127.0.0.1", port=args.port, **server_options())
    else:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
