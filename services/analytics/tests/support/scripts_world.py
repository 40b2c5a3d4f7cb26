"""The scripts' tests' world: the suite's analytics through the gateway, a stand-in WeNet task and
profile manager (an external third-party service, served for real over HTTP by the test), and a
runner of the installed console scripts as subprocesses."""

from __future__ import annotations

import csv
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[4]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
ANALYTICS = f"{GATEWAY}/analytics"
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
BIN = Path(sys.executable).parent
# Every variable a script reads: a test gives each one it means, none leaks from dev.env.
SCRIPT_ENV = frozenset(
    [
        "ANALYTIC_FILE",
        "QUESTION_FILE",
        "USER_FILE",
        "PROFILE_FILE",
        "TASK_FILE",
        "MESSAGE_FILE",
        "INSTANCE",
        "APIKEY",
        "APP_ID",
        "APP_IDS",
        "ILOG_ID",
        "SURVEY_ID",
        "TIME_RANGE",
        "START_TIME",
        "END_TIME",
        "FILE",
        "OUTPUT_FILE",
        "USER_UPDATES_DUMP",
        "USER_FAILURES_DUMP",
        "TASK_MANAGER_URL",
        "TASK_MANAGER_APIKEY",
        "PROFILE_MANAGER_URL",
        "PROFILE_MANAGER_APIKEY",
    ]
)


def apikey() -> str:
    """The suite's analytics key (.local/dev.env)."""
    return os.environ["APIKEY"]


def gateway() -> httpx.Client:
    """A client of the analytics through the gateway, TLS checked against the development CA."""
    return httpx.Client(
        base_url=ANALYTICS,
        headers={"X-Api-Key": apikey()},
        verify=ssl.create_default_context(cafile=CA),
        timeout=30,
    )


def store(client: httpx.Client, messages: list[dict[str, Any]]) -> None:
    """POSTs the messages, then waits until every project shows all of its own."""
    response = client.post("/messages", json=messages)
    assert response.status_code == 201, response.text
    for project in {m["project"] for m in messages}:
        wanted = sum(1 for m in messages if m["project"] == project)
        params = {
            "project": project,
            "fromTime": "1970-01-01T00:00:00",
            "toTime": "9999-12-31T00:00:00",
            "maxSize": "10000",
        }
        for _ in range(60):
            if len(client.get("/messages", params=params).json()) == wanted:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the messages of {project} never all showed")


def forget(client: httpx.Client, messages: list[dict[str, Any]]) -> None:
    """Deletes the users' messages (the test's users are its own)."""
    for user_id in {m["userId"] for m in messages}:
        client.delete("/messages", params={"userId": user_id})


def run_script(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs an installed console script with only the given script variables set."""
    base = {k: v for k, v in os.environ.items() if k not in SCRIPT_ENV}
    return subprocess.run(
        [str(BIN / name), *args],
        env={**base, "SSL_CERT_FILE": CA, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def read_rows(path: Path) -> list[list[str]]:
    """A csv/tsv file's rows."""
    delimiter = "\t" if path.suffix == ".tsv" else ","
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def cells(rows: list[list[Any]]) -> list[list[str]]:
    """Rows as the csv module writes them (None → "", numbers → text)."""
    return [["" if v is None else str(v) for v in row] for row in rows]


class Platform:
    """What a stand-in WeNet task manager and profile manager hold."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.tasks: list[dict[str, Any]] = []
        self.profiles: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def page(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        """The WeNet components' answers for the paths the seed's scripts call."""
        first = {k: v[0] for k, v in query.items()}
        if path.startswith("/profile_manager/profiles/"):
            profile = self.profiles.get(unquote(path.rsplit("/", 1)[1]))
            return (200, profile) if profile else (404, {"code": "not_found"})
        if path == "/task_manager/tasks":
            items, key = self.tasks, "tasks"
        elif path == "/task_manager/taskTransactions":
            items = [tr for t in self.tasks for tr in t["transactions"]]
            key = "transactions"
        else:
            return 404, {"code": "no_route"}
        low, high = int(first.get("creationFrom", -(2**62))), int(first.get("creationTo", 2**62))
        chosen = [i for i in items if i.get("appId", first["appId"]) == first["appId"]]
        chosen = [i for i in chosen if low <= i["_creationTs"] <= high]
        offset, limit = int(first.get("offset", 0)), int(first.get("limit", 100))
        return 200, {"offset": offset, "total": len(chosen), key: chosen[offset : offset + limit]}


@contextmanager
def serve_platform(platform: Platform) -> Iterator[str]:
    """Serves the stand-in on 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            platform.calls.append(self.path)
            if self.headers.get("x-wenet-component-apikey") != platform.key:
                status, body = 401, {"code": "unauthorized"}
            else:
                status, body = platform.page(url.path, parse_qs(url.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
