"""`analytics-export`: the analytics, questions and users files and the messages dump, exactly."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from analytics_run import child_env

EXPORT = [sys.executable, "-c", "from analytics.exports.cli import main; main()"]
WINDOW = ["-s", "2024-02-01T00:00:00+00:00", "-e", "2024-02-29T00:00:00+00:00"]


def m(mid, kind, user, ts, text=None, **extra):
    content = {"type": "text", "value": text} if text else {"type": "action", "value": "/start"}
    return {
        "type": kind,
        "messageId": mid,
        "conversationId": f"c-{user}",
        "channel": "web",
        "userId": user,
        "timestamp": ts,
        "project": "exp",
        "content": content,
        **extra,
    }


MESSAGES = [
    m("m0", "request", "u1", "2024-01-20T10:00:00Z", "Earlier?"),
    m("m1", "request", "u1", "2024-02-02T10:00:00Z", "How are you?"),
    m("m2", "response", "u1", "2024-02-02T10:00:05Z", "Fine", responseTo="m1"),
    m("m3", "request", "u1", "2024-02-03T10:00:00Z"),
    m("m4", "request", "u2", "2024-02-05T09:00:00Z", "Where is the station?"),
    m("m5", "response", "u2", "2024-02-05T09:00:02Z", "Turn left", responseTo="m4"),
    m("m6", "response", "u2", "2024-02-05T09:00:04Z", "Then right", responseTo="m4"),
    m("m7", "notification", "u2", "2024-02-06T12:00:00Z", "News!"),
    m("m8", "request", "u3", "2024-02-10T08:00:00Z", "Any news?"),
    m("m9", "request", "u3", "2024-03-02T08:00:00Z", "Later?"),
    {**m("x1", "request", "u9", "2024-02-10T08:00:00Z", "Other project"), "project": "not-exp"},
]

ANALYTICS_CSV = """\
app id,exp
from,2024-02-01T00:00:00+00:00
to,2024-02-29T00:00:00+00:00

metric,count,description
total users,3,The total number of users of the application
active users,3,The number of users who sent messages to the application
engaged users,1,The number of users who received a notification
new users,2,The number of users seen for the first time in this period
total messages,8,The total number of messages exchanged
messages from users,4,The number of messages sent by users
user textual messages,3,The number of textual messages sent by users
user action messages,1,"The number of action messages (buttons, commands) sent by users"
messages from bot,3,The number of responses sent by the application
notifications,1,The number of notifications sent to users
"""

QUESTIONS_TSV = """\
app id\texp
from\t2024-02-01T00:00:00+00:00
to\t2024-02-29T00:00:00+00:00
total questions\t3

question\tanswer
How are you?\tFine
Where is the station?\tTurn left
Any news?\t
"""

USERS_CSV = """\
app id,exp
from,2024-02-01T00:00:00+00:00
to,2024-02-29T00:00:00+00:00
total users,3

user id,questions,answers,first activity,last activity
u1,2,1,2024-02-02T10:00:00Z,2024-02-03T10:00:00Z
u2,1,2,2024-02-05T09:00:00Z,2024-02-06T12:00:00Z
u3,1,0,2024-02-10T08:00:00Z,2024-02-10T08:00:00Z
"""


@pytest.fixture(scope="module")
async def exported(client, refresh):
    assert (await client.post("/messages", json=MESSAGES)).status_code == 201
    await refresh()


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*EXPORT, *args], env=child_env(**env), capture_output=True, text=True, timeout=120
    )


async def test_files_match_the_expected_ones(exported, tmp_path: Path):
    files = {
        "af": tmp_path / "analytics.csv",
        "qf": tmp_path / "questions.tsv",
        "uf": tmp_path / "users.csv",
        "mf": tmp_path / "messages.json",
    }
    result = run("-ai", "exp", *WINDOW, *[x for k, p in files.items() for x in (f"-{k}", str(p))])
    assert result.returncode == 0, result.stderr
    assert files["af"].read_text() == ANALYTICS_CSV
    assert files["qf"].read_text() == QUESTIONS_TSV
    assert files["uf"].read_text() == USERS_CSV
    dump = json.loads(files["mf"].read_text())
    assert [d["messageId"] for d in dump] == ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]
    assert all(d["traceId"] for d in dump)
    assert "messages:" not in result.stderr  # no progress bar when stderr is not a terminal


async def test_env_names_and_time_range(exported, tmp_path: Path):
    target = tmp_path / "users.tsv"
    result = run(APP_ID="exp", USER_FILE=str(target), TIME_RANGE="ALL")
    assert result.returncode == 0, result.stderr
    lines = target.read_text().splitlines()
    assert lines[0] == "app id\texp" and lines[1] == "from\t"
    assert "u3\t2\t0\t2024-02-10T08:00:00Z\t2024-03-02T08:00:00Z" in lines


@pytest.mark.parametrize(
    "args,needle",
    [
        (["-ai", "exp", *WINDOW, "-af", "out.xlsx"], "must end in .csv or .tsv"),
        (["-ai", "exp", "-af", "out.csv"], "give a time range"),
        (["-ai", "exp", "-r", "forever", "-af", "out.csv"], "bad time range"),
        (["-ai", "exp", *WINDOW], "nothing to export"),
    ],
)
def test_bad_options_are_named(tmp_path, args, needle):
    result = subprocess.run(
        [*EXPORT, *args],
        env=child_env(TIME_RANGE="", START_TIME="", END_TIME=""),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and needle in result.stderr


# GET /export/{table}: the same files over HTTP, by the same code, bounded.
ROUTE_WINDOW = {"fromTime": "2024-02-01T00:00:00+00:00", "toTime": "2024-02-29T00:00:00+00:00"}


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


@pytest.mark.parametrize(
    "table,format,expected",
    [
        ("analytics", "csv", ANALYTICS_CSV),
        ("questions", "tsv", QUESTIONS_TSV),
        ("users", "csv", USERS_CSV),
    ],
)
async def test_the_route_answers_the_cli_files(exported, client, table, format, expected):
    answer = await client.get(
        f"/export/{table}", params={"project": "exp", **ROUTE_WINDOW, "format": format}
    )
    assert answer.status_code == 200, answer.text
    assert answer.text == crlf(expected)
    assert answer.headers["content-type"].startswith(f"text/{'csv' if format == 'csv' else 'tab'}")
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="{table}-exp-2024-02-01-2024-02-29.{format}"'


async def test_the_route_answers_messages_as_json_and_csv(exported, client):
    params = {"project": "exp", **ROUTE_WINDOW}
    dump = (await client.get("/export/messages", params={**params, "format": "json"})).json()
    assert [d["messageId"] for d in dump] == ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]
    assert all(d["traceId"] for d in dump)
    table = (await client.get("/export/messages", params=params)).text.splitlines()
    assert table[0].split(",")[:4] == ["traceId", "timestamp", "type", "userId"]
    assert table[1].split(",")[1:] == [
        "2024-02-02T10:00:00Z", "request", "u1", "c-u1", "web", "m1", "", "How are you?", "", ""
    ]  # fmt: skip
    assert len(table) == 9
    narrowed = await client.get(
        "/export/messages", params={**params, "format": "json", "conversationId": "c-u2"}
    )
    assert [d["messageId"] for d in narrowed.json()] == ["m4", "m5", "m6", "m7"]


async def test_a_window_of_too_many_messages_is_refused(exported, client, monkeypatch):
    from analytics.exports import endpoints

    monkeypatch.setattr(endpoints, "MAX_EXPORT_MESSAGES", 5)
    answer = await client.get("/export/users", params={"project": "exp", **ROUTE_WINDOW})
    assert answer.status_code == 400
    assert "holds 8 messages, more than the 5" in answer.json()["status"]


async def test_a_cell_a_spreadsheet_would_run_is_quoted(client, refresh):
    project = f"exp-{uuid.uuid4().hex[:6]}"
    formula = {
        **m("f1", "request", "u1", "2024-02-02T10:00:00Z", "=HYPERLINK(1)"),
        "project": project,
    }
    assert (await client.post("/messages", json=[formula])).status_code == 201
    await refresh()
    answer = await client.get("/export/questions", params={"project": project, **ROUTE_WINDOW})
    assert "'=HYPERLINK(1)," in answer.text


@pytest.mark.parametrize(
    "params,needle",
    [
        ({}, "give a time range"),
        ({"fromTime": "2024-02-01T00:00:00Z"}, "give both fromTime and toTime"),
        ({"timeRange": "forever"}, "bad time range"),
        ({"fromTime": "2024-03-01T00:00:00Z", "toTime": "2024-02-01T00:00:00Z"}, "start"),
        ({"timeRange": "7D", "format": "xlsx"}, "format"),
        ({"timeRange": "7D", "userId": "u1"}, "whole project"),
    ],
)
async def test_bad_export_requests_are_a_400_naming_it(client, params, needle):
    answer = await client.get("/export/analytics", params={"project": "exp", **params})
    assert answer.status_code == 400, answer.text
    assert needle in answer.json()["status"]


async def test_an_unknown_table_is_a_400(client):
    answer = await client.get("/export/everything", params={"project": "exp", "timeRange": "ALL"})
    assert answer.status_code == 400 and "table" in answer.json()["status"]


async def test_more_than_10000_messages_export_completely_streamed(client, refresh, monkeypatch):
    """The messages file is streamed (search_after over a point in time, a page in memory at a
    time), not bounded: 10,050 messages come out once each, oldest first, as JSON and as CSV;
    the users file, built from all of them at once, is still refused beyond 10,000."""
    from analytics.exports import files

    monkeypatch.setattr(files, "PAGE", 3000)  # several pages, fewer searches on a busy machine
    project = f"big-{uuid.uuid4().hex[:6]}"
    total = 10050
    batch = [
        {
            **m(
                f"b{i}",
                "request",
                f"{project}-u{i % 7}",
                f"2024-02-0{1 + i % 5}T10:{i % 60:02d}:00Z",
            ),
            "project": project,
        }
        for i in range(total)
    ]
    for start in range(0, total, 2500):
        stored = await client.post("/messages", json=batch[start : start + 2500])
        assert stored.status_code == 201, stored.text
    await refresh()
    params = {"project": project, **ROUTE_WINDOW}
    try:
        dumped = await client.get("/export/messages", params={**params, "format": "json"})
        assert dumped.status_code == 200, dumped.text[:300]
        assert "content-length" not in dumped.headers  # streamed: its size is not known up front
        assert dumped.headers["Content-Disposition"].startswith(
            f'attachment; filename="messages-{project}-'
        )
        messages = dumped.json()
        assert len(messages) == total
        assert sorted(d["messageId"] for d in messages) == sorted(b["messageId"] for b in batch)
        assert len({d["traceId"] for d in messages}) == total
        times = [d["timestamp"] for d in messages]
        assert times == sorted(times)  # oldest first, across pages
        table = (await client.get("/export/messages", params=params)).text.splitlines()
        assert table[0].startswith("traceId,timestamp,type,userId")
        assert len(table) == total + 1
        assert {row.split(",")[6] for row in table[1:]} == {b["messageId"] for b in batch}
        refused = await client.get("/export/users", params=params)
        assert refused.status_code == 400
        assert f"holds {total} messages, more than the 10000" in refused.json()["status"]
    finally:
        for user in {b["userId"] for b in batch}:
            assert (await client.delete("/messages", params={"userId": user})).status_code == 200
