"""Task and transaction analytics against a small real task manager (an HTTP server speaking the
original's task-manager API: /tasks and /taskTransactions, paged, keyed), and without one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from analytics.analytic.compute import Context, compute
from analytics.analytic.descriptors import parse_descriptor
from analytics.taskmanager.client import TaskManager, TaskManagerError
from analytics.worker.jobs import refresh_analytic

KEY = "task-manager-test-key"
APP = "h12-tasks"
START = datetime(2024, 3, 1, tzinfo=UTC)
END = datetime(2024, 3, 31, tzinfo=UTC)
WINDOW = {"type": "fixed", "start": START.isoformat(), "end": END.isoformat()}
BASE = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
DAY = 86400


def _tasks() -> list[dict[str, Any]]:
    """250 tasks (more than two pages), created and closed across the window's edges."""
    tasks = []
    for n in range(250):
        created = BASE + (n % 120) * DAY + n
        closed = None if n % 3 == 0 else created + (n % 50) * DAY
        app = APP if n % 10 else "another-app"
        tasks.append({"id": f"t{n}", "appId": app, "_creationTs": created, "_closeTs": closed})
    return tasks


def _transactions(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = ["answer", "ask more", "like"]
    return [
        {
            "id": f"x{n}",
            "taskId": tasks[n % 40]["id"],
            "label": labels[n % 3],
            "_creationTs": BASE + (n % 110) * DAY,
            "appId": tasks[n % 40]["appId"],
        }
        for n in range(600)
    ]


TASKS = _tasks()
TRANSACTIONS = _transactions(TASKS)


def _within(value: int | None, low: str | None, high: str | None) -> bool:
    if value is None:
        return low is None and high is None
    return (low is None or value >= int(low)) and (high is None or value <= int(high))


class TaskManagerHandler(BaseHTTPRequestHandler):
    """GET /tasks and /taskTransactions with the original's filters and paging."""

    def do_GET(self) -> None:
        if self.headers.get("x-wenet-component-apikey") != KEY:
            return self._answer(401, {"code": "unauthorized"})
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/tasks":
            found = [
                t
                for t in TASKS
                if t["appId"] == q.get("appId")
                and _within(t["_creationTs"], q.get("creationFrom"), q.get("creationTo"))
                and (
                    "hasCloseTs" not in q
                    or (t["_closeTs"] is not None) == (q["hasCloseTs"] == "true")
                )
                and (
                    ("closeFrom" not in q and "closeTo" not in q)
                    or _within(t["_closeTs"], q.get("closeFrom"), q.get("closeTo"))
                )
            ]
            key = "tasks"
        elif url.path == "/taskTransactions":
            found = [
                t
                for t in TRANSACTIONS
                if t["appId"] == q.get("appId")
                and ("taskId" not in q or t["taskId"] == q["taskId"])
                and _within(t["_creationTs"], q.get("creationFrom"), q.get("creationTo"))
            ]
            key = "transactions"
        else:
            return self._answer(404, {"code": "not found"})
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", 100))
        page = found[offset : offset + limit]
        self._answer(200, {"offset": offset, "total": len(found), key: page})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def task_manager_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TaskManagerHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def expected_tasks(metric: str) -> int:
    """The metric counted straight from the task list (the original's definitions)."""
    s, e = int(START.timestamp()), int(END.timestamp())
    mine = [t for t in TASKS if t["appId"] == APP]

    def active_at_end(t: dict[str, Any]) -> bool:
        return t["_creationTs"] <= e and (t["_closeTs"] is None or t["_closeTs"] >= e)

    def created_inside(t: dict[str, Any]) -> bool:
        return s <= t["_creationTs"] <= e

    rules = {
        "new": created_inside,
        "closed": lambda t: t["_closeTs"] is not None and t["_closeTs"] <= e,
        "new_closed": lambda t: (
            created_inside(t) and t["_closeTs"] is not None and t["_closeTs"] <= e
        ),
        "active": active_at_end,
        "new_active": lambda t: created_inside(t) and active_at_end(t),
        "total": lambda t: (
            active_at_end(t) or (t["_closeTs"] is not None and s <= t["_closeTs"] <= e)
        ),
    }
    return sum(1 for t in mine if rules[metric](t))


def descriptor(dimension: str, metric: str, kind: str = "count", **extra: Any) -> Any:
    body = {"type": kind, "timespan": WINDOW, "project": APP, "dimension": dimension}
    return parse_descriptor({**body, "metric": metric, **extra})


@pytest.mark.parametrize("metric", ["total", "new", "new_active", "active", "new_closed", "closed"])
async def test_task_counts(es, indices, task_manager_url, metric):
    manager = TaskManager(task_manager_url, KEY)
    try:
        result = await compute(
            Context(es, indices, task_manager=manager), descriptor("task", metric)
        )
    finally:
        await manager.close()
    assert result["type"] == "count"
    assert result["count"] == expected_tasks(metric) > 0
    assert (result["fromDt"], result["toDt"]) == (WINDOW["start"], WINDOW["end"])


async def test_transactions_counted_and_segmented_by_label(es, indices, task_manager_url):
    s, e = int(START.timestamp()), int(END.timestamp())
    inside = [t for t in TRANSACTIONS if t["appId"] == APP and s <= t["_creationTs"] <= e]
    manager = TaskManager(task_manager_url, KEY)
    ctx = Context(es, indices, task_manager=manager)
    try:
        total = await compute(ctx, descriptor("transaction", "total"))
        labels = await compute(ctx, descriptor("transaction", "label", "segmentation"))
        one_task = await compute(ctx, descriptor("transaction", "total", taskId="t1"))
    finally:
        await manager.close()
    assert total["count"] == len(inside) > 100
    expected = {}
    for t in inside:
        expected[t["label"]] = expected.get(t["label"], 0) + 1
    assert {s["type"]: s["count"] for s in labels["segments"]} == expected
    assert one_task["count"] == sum(1 for t in inside if t["taskId"] == "t1") > 0


async def test_a_wrong_key_is_an_error_not_a_result(task_manager_url):
    manager = TaskManager(task_manager_url, "wrong")
    try:
        with pytest.raises(TaskManagerError, match="refused the key"):
            await manager.tasks(APP)
    finally:
        await manager.close()


async def test_the_worker_job_uses_the_configured_task_manager(client, settings, task_manager_url):
    body = {"type": "count", "timespan": WINDOW, "project": APP, "dimension": "task"}
    analytic_id = (await client.post("/analytic", json={**body, "metric": "new"})).json()["id"]
    configured = settings.model_copy(
        update={"task_manager_url": task_manager_url, "task_manager_apikey": KEY}
    )
    await refresh_analytic(configured, analytic_id)
    result = (await client.get("/analytic", params={"id": analytic_id})).json()["result"]
    assert result["count"] == expected_tasks("new")
    # Without a task manager: stored, and a result saying clearly that none is configured.
    await refresh_analytic(settings.model_copy(update={"task_manager_url": None}), analytic_id)
    result = (await client.get("/analytic", params={"id": analytic_id})).json()["result"]
    assert result["type"] == "count" and result["count"] is None
    assert "no task manager is configured" in result["error"]


async def test_task_descriptors_are_stored_in_the_original_form(client):
    transaction = {
        "type": "SEGMENTATION",
        "timespan": {"type": "moving", "value": "30D"},
        "project": APP,
        "dimension": "transaction",
        "metric": "label",
    }
    analytic_id = (await client.post("/analytic", json=transaction)).json()["id"]
    stored = (await client.get("/analytic", params={"id": analytic_id})).json()["descriptor"]
    assert stored == {**transaction, "type": "segmentation", "taskId": None}
    v1 = {
        "type": "analytic",
        "timespan": {"type": "DEFAULT", "value": "7D"},
        "project": APP,
        "dimension": "task",
        "metric": "t:closed",
    }
    static_id = (await client.post("/analytic", json=v1)).json()["staticId"]
    mapped = (await client.get("/analytic", params={"id": static_id})).json()["descriptor"]
    assert (mapped["type"], mapped["dimension"], mapped["metric"]) == ("count", "task", "closed")
