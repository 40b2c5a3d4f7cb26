"""An unhandled error must not cost the next request its connection.

Starlette's ServerErrorMiddleware sends the app's JSON 500 and then re-raises the exception (for
servers and test clients to see); uvicorn, seeing an exception after a response, closes the
connection. The gateway keeps upstream connections alive and reuses them, so the next request
sent over that connection got a 502. `KeepAliveAfterErrors` sits outside ServerErrorMiddleware and
drops an exception once its response was sent in full (the kit's handler has logged it, and it is
reported to Sentry when Sentry is on); an error in the middle of a response still closes the
connection, as it must.
"""

from __future__ import annotations

import sentry_sdk
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class KeepAliveAfterErrors:
    """Keeps the connection usable after an error whose 500 was fully sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Runs the app; swallows an exception raised after a complete response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal complete
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not complete:
                raise
            if sentry_sdk.get_client().is_active():
                sentry_sdk.capture_exception(exc)
