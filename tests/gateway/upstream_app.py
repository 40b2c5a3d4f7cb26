"""A tiny real upstream for the gateway tests: echoes HTTP requests as JSON, echoes websockets.

Run as `python upstream_app.py --port N --name A`; served by uvicorn (HTTP/1.1 and websockets).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn


def make_app(name: str) -> Any:
    """An ASGI app that reports what reached it, tagged with this instance's name."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await websocket_echo(name, scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        report = {
            "name": name,
            "method": scope["method"],
            "raw_path": scope["raw_path"].decode(),
            "query_string": scope["query_string"].decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body_length": len(body),
        }
        payload = json.dumps(report).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"x-request-id", b"upstream-must-not-leak"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


async def websocket_echo(name: str, scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accepts, then answers each text message with the instance name, path and the text."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        reply = {"name": name, "path": scope["path"], "text": message.get("text")}
        await send({"type": "websocket.send", "text": json.dumps(reply)})


def main() -> None:
    """Serves the echo app on 127.0.0.1."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    uvicorn.run(
        make_app(args.name),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws="websockets",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
