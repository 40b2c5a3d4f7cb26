"""uvicorn's HTTP protocol with the timeouts it lacks: reading the headers and reading the body.

uvicorn bounds only the keep-alive idle time. A client that opens a connection and sends nothing,
or sends its headers a byte at a time (slowloris), or its body so, held the connection for ever
(the config follower listens without the gateway in front). `TimeoutHttpToolsProtocol` cuts it:

- HTTP_HEADER_TIMEOUT (default 10 s): from the connection's start, or the first byte of a request,
  to the end of its headers; past it a 408 (when no response is under way) and the connection closes;
- HTTP_BODY_TIMEOUT (default 60 s): from the end of the headers to the end of the body; past it the
  connection closes (the app sees the client leave);
- HTTP_KEEPALIVE_TIMEOUT (default 5 s, uvicorn's timeout_keep_alive): idle time between requests;
  the gateway's upstream keep-alive timeout (gateway/render.py, 4 s) must stay below it.
"""

from __future__ import annotations

import os
from asyncio import TimerHandle

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 60.0
DEFAULT_KEEPALIVE_TIMEOUT = 5

_TIMEOUT_BODY = b'{"error":"request headers not received in time","detail":null}'
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n" % len(_TIMEOUT_BODY)
) + _TIMEOUT_BODY


def keepalive_timeout() -> int:
    """HTTP_KEEPALIVE_TIMEOUT: seconds an idle keep-alive connection stays open."""
    return int(os.environ.get("HTTP_KEEPALIVE_TIMEOUT", DEFAULT_KEEPALIVE_TIMEOUT))


class TimeoutHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with a header timeout and a body timeout."""

    header_timeout = float(os.environ.get("HTTP_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT))
    body_timeout = float(os.environ.get("HTTP_BODY_TIMEOUT", DEFAULT_BODY_TIMEOUT))
    _header_timer: TimerHandle | None = None
    _body_timer: TimerHandle | None = None

    def connection_made(self, transport):  # type: ignore[no-untyped-def]
        """Starts the header clock: a connection that sends nothing is cut too."""
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        """A request's first byte: its headers must be complete within header_timeout."""
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        """Headers in: stop their clock, start the body's."""
        self._cancel_header_timer()
        super().on_headers_complete()
        self._cancel_body_timer()
        if not self.transport.is_closing():
            self._body_timer = self.loop.call_later(self.body_timeout, self._on_body_timeout)

    def on_message_complete(self) -> None:
        """Body in: stop its clock."""
        self._cancel_body_timer()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        """A websocket has its own pings and timeouts."""
        self._cancel_header_timer()
        self._cancel_body_timer()
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        """No clock outlives its connection."""
        self._cancel_header_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()

    def _on_body_timeout(self) -> None:
        self._body_timer = None
        if not self.transport.is_closing():
            self.transport.close()
