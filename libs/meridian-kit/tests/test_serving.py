"""Serving as the kit serves (uvicorn, its protocol and options, in a thread): a failing request
never costs the next one its connection, and slow clients are cut."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from meridian_kit.app import create_service_app
from meridian_kit.http_timeouts import TimeoutHttpToolsProtocol
from meridian_kit.server import server_options

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    """Fails unexpectedly."""
    raise RuntimeError("unexpected")


@router.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    """Reads the whole body."""
    return {"size": len(await request.body())}


class QuickTimeouts(TimeoutHttpToolsProtocol):
    header_timeout = 0.5
    body_timeout = 0.5


@contextmanager
def serving(app: FastAPI, protocol: type = TimeoutHttpToolsProtocol) -> Iterator[int]:
    """Runs the app under uvicorn with the kit's options; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    config = uvicorn.Config(app, **(server_options() | {"http": protocol}))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
def app() -> FastAPI:
    return create_service_app("kit-test", routers=[router])


def test_after_an_unhandled_500_the_same_connection_answers_the_next_request(app: FastAPI) -> None:
    with serving(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/boom")
            failed = conn.getresponse()
            assert failed.status == 500
            assert failed.read() == b'{"error":"internal error","detail":null}'
            assert failed.getheader("connection") != "close"
            sock = conn.sock
            conn.request("GET", "/healthz")
            ok = conn.getresponse()
            assert ok.status == 200 and ok.read() == b'{"status":"ok"}'
            assert conn.sock is sock, "the server closed the keep-alive connection"
        conn.close()


def closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the test fails if it never does)."""
    sock.settimeout(20)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_a_slow_header_client_is_cut_with_408(app: FastAPI) -> None:
    with serving(app, QuickTimeouts) as port:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            answer = closed_by_server(sock)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert answer.endswith(b'{"error":"request headers not received in time","detail":null}')


def test_a_connection_that_sends_nothing_is_cut(app: FastAPI) -> None:
    with (
        serving(app, QuickTimeouts) as port,
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        assert closed_by_server(sock).startswith(b"HTTP/1.1 408 ")


def test_a_slow_body_is_cut(app: FastAPI) -> None:
    with (
        serving(app, QuickTimeouts) as port,
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 100\r\n\r\n0123456789"
        )
        assert b"200 OK" not in closed_by_server(sock)


def test_a_prompt_client_is_served_on_one_connection_past_the_timeouts(app: FastAPI) -> None:
    with serving(app, QuickTimeouts) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/echo", body=b"x" * 1000, headers={"Content-Type": "text/plain"})
        first = conn.getresponse()
        assert first.status == 200 and first.read() == b'{"size":1000}'
        sock = conn.sock
        time.sleep(1)  # longer than both timeouts, shorter than the keep-alive idle time
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        assert conn.sock is sock
        conn.close()
