"""analytics-seed-main as a subprocess against the suite's analytics through the gateway: each file
compared with what the stored data says, with and without a task and a profile manager."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scripts_expected import END, START, World, analytic_rows, text, utc
from scripts_world import (
    ANALYTICS,
    Platform,
    apikey,
    cells,
    forget,
    gateway,
    read_rows,
    run_script,
    serve_platform,
    store,
)

WINDOW = ["-s", START.isoformat(), "-e", END.isoformat()]
HEADER = [["from", "2026-01-10 00:00:00"], ["to", "2026-01-20 00:00:00"]]
TASK_LABELS = [
    ("question reports", "reportQuestionTransaction"),
    ("can't help", "notAnswerTransaction"),
    ("answers", "answerTransaction"),
    ("answer reports", "reportAnswerTransaction"),
    ("approved answers", "bestAnswerTransaction"),
    ("ask more people", "moreAnswerTransaction"),
]


def chat_world() -> World:
    """ada asks and is answered (and wrote before the window), bob asks and is notified, cy is
    only notified, dan writes after the window; ada also uses ilog, bob the survey."""
    w = World()
    ada_meta = {"email": "ada@meta.example", "name": {"first": "Ada", "last": "Meta"}}
    w.say("chat", "ada", "request", "2026-01-05T10:00:00Z", text("old"))
    w.say(
        "chat",
        "ada",
        "request",
        "2026-01-12T10:00:00Z",
        text("How do I start?"),
        messageId="q-ada",
        metadata={**ada_meta, "gender": "female"},
    )
    w.say(
        "chat", "ada", "response", "2026-01-12T10:00:05Z", text("Press start"), responseTo="q-ada"
    )
    w.say(
        "chat", "ada", "response", "2026-01-12T10:01:00Z", text("Later answer"), responseTo="q-ada"
    )
    w.say(
        "chat", "ada", "request", "2026-01-13T09:00:00+02:00", {"type": "action", "value": "/help"}
    )
    w.say(
        "chat",
        "bob",
        "request",
        "2026-01-14T08:00:00",
        text("Anyone?"),
        metadata={"email": "bob@meta.example"},
    )
    w.say("chat", "bob", "notification", "2026-01-15T08:00:00Z", text("Reminder"))
    w.say("chat", "cy", "notification", "2026-01-16T12:00:00Z", text("Welcome"))
    w.say("chat", "dan", "request", "2026-01-25T00:00:00Z", text("late"))
    w.say("ilog", "ada", "request", "2025-06-01T00:00:00Z", text("ilog on"))
    w.say("survey", "bob", "request", "2026-01-11T00:00:00Z", text("survey done"))
    return w


def _ts(moment: str) -> int:
    return int(datetime.fromisoformat(moment).replace(tzinfo=UTC).timestamp())


def platform_of(w: World) -> Platform:
    """Three tasks of the chat app (the third after the window) and two profiles (cy has none)."""
    p = Platform(key=f"tm-{w.run}")
    app = w.app("chat")

    def task(tid: str, requester: str, goal: str, when: str, trs: list[tuple[Any, ...]]) -> None:
        transactions = [
            {
                "id": trid,
                "taskId": tid,
                "label": label,
                "actioneerId": w.user(who),
                "attributes": attrs,
                "_creationTs": _ts(at),
                "messages": [],
            }
            for trid, label, who, attrs, at in trs
        ]
        p.tasks.append(
            {
                "id": tid,
                "appId": app,
                "requesterId": w.user(requester),
                "goal": {"name": goal},
                "_creationTs": _ts(when),
                "transactions": transactions,
            }
        )

    task(
        "t1",
        "ada",
        "How to cook?",
        "2026-01-12T12:00:00",
        [
            ("tr1", "answerTransaction", "bob", {"answer": "Boil water"}, "2026-01-12T13:00:00"),
            ("tr2", "answerTransaction", "cy", {"answer": "Order out"}, "2026-01-12T14:00:00"),
            (
                "tr3",
                "bestAnswerTransaction",
                "ada",
                {"transactionId": "tr1"},
                "2026-01-12T15:00:00",
            ),
            ("tr4", "reportAnswerTransaction", "ada", {}, "2026-01-12T15:30:00"),
        ],
    )
    task(
        "t2",
        "bob",
        "Where to run?",
        "2026-01-14T12:00:00",
        [
            ("tr5", "notAnswerTransaction", "ada", {}, "2026-01-14T13:00:00"),
            ("tr6", "moreAnswerTransaction", "bob", {}, "2026-01-14T14:00:00"),
            ("tr7", "reportQuestionTransaction", "cy", {}, "2026-01-14T15:00:00"),
        ],
    )
    task(
        "t3",
        "ada",
        "Late",
        "2026-02-01T12:00:00",
        [
            ("tr8", "answerTransaction", "bob", {"answer": "Too late"}, "2026-02-01T13:00:00"),
        ],
    )
    for name, first, last, gender in (("ada", "Ada", "Lovelace", "F"), ("bob", "Bob", "Ross", "M")):
        p.profiles[w.user(name)] = {
            "id": w.user(name),
            "name": {"first": first, "last": last},
            "email": f"{name}@pm.example",
            "gender": gender,
        }
    return p


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = chat_world()
    with gateway() as client:
        store(client, w.messages)
        yield w
        forget(client, w.messages)


def _in_window(ts: int) -> bool:
    return _ts(START.isoformat()) <= ts <= _ts(END.isoformat())


def _activity(w: World, name: str) -> list[str]:
    requests = [
        m
        for m in w.of("chat", START, END)
        if m["userId"] == w.user(name) and m["type"] == "request"
    ]
    if not requests:
        return ["", ""]
    return [
        str(datetime.fromisoformat(requests[0]["timestamp"])),
        str(datetime.fromisoformat(requests[-1]["timestamp"])),
    ]


def _check_analytics(rows: list[list[str]], w: World, extra: list[list[Any]]) -> None:
    assert rows[:3] == [["app id", w.app("chat")], *HEADER]
    assert rows[3:5] == [[], ["metric", "count", "description"]]
    expected = analytic_rows(w, "chat", START, END) + extra
    assert [row[:2] for row in rows[5:]] == cells(expected)
    assert all(row[2] for row in rows[5:])


def test_main_with_a_task_and_a_profile_manager(world: World, tmp_path: Path) -> None:
    platform = platform_of(world)
    files = {
        f: tmp_path / name
        for f, name in (
            ("-af", "analytics.csv"),
            ("-qf", "questions.tsv"),
            ("-uf", "users.csv"),
            ("-tf", "tasks.json"),
            ("-mf", "messages.json"),
            ("-pf", "profiles.json"),
        )
    }
    with serve_platform(platform) as url:
        done = run_script(
            "analytics-seed-main",
            "-i",
            ANALYTICS,
            "-a",
            apikey(),
            "-ai",
            world.app("chat"),
            "-ii",
            world.app("ilog"),
            "-si",
            world.app("survey"),
            *WINDOW,
            *[a for flag, path in files.items() for a in (flag, str(path))],
            env={
                "TASK_MANAGER_URL": f"{url}/task_manager",
                "TASK_MANAGER_APIKEY": platform.key,
                "PROFILE_MANAGER_URL": f"{url}/profile_manager",
                "PROFILE_MANAGER_APIKEY": platform.key,
            },
        )
    assert done.returncode == 0, done.stderr
    tasks = [t for t in platform.tasks if _in_window(t["_creationTs"])]
    transactions = [
        tr for t in platform.tasks for tr in t["transactions"] if _in_window(tr["_creationTs"])
    ]
    labels = Counter(tr["label"] for tr in transactions)
    task_rows = [["questions", len(tasks)], *[[n, labels[lab]] for n, lab in TASK_LABELS]]
    _check_analytics(read_rows(files["-af"]), world, task_rows)

    assert read_rows(files["-qf"]) == [
        ["app id", world.app("chat")],
        *HEADER,
        ["total questions", "2"],
        [],
        ["question", "answer"],
        ["How to cook?", "Boil water"],
        ["Where to run?", ""],
    ]
    assert json.loads(files["-tf"].read_text()) == tasks

    asked = Counter(t["requesterId"] for t in tasks)
    answered = Counter(
        tr["actioneerId"] for tr in transactions if tr["label"] == "answerTransaction"
    )
    users = [
        ["Ada", "Lovelace", "ada@pm.example", "female", "", "yes", "no"],
        ["Bob", "Ross", "bob@pm.example", "male", "", "no", "yes"],
        ["", "", "", "", "", "no", "no"],
    ]
    expected_users = [
        [*row, asked[world.user(n)], answered[world.user(n)], *_activity(world, n)]
        for n, row in zip(("ada", "bob", "cy"), users, strict=True)
    ]
    rows = read_rows(files["-uf"])
    assert rows[:5] == [["app id", world.app("chat")], *HEADER, ["total users", "3"], []]
    assert rows[5][0:3] == ["name", "surname", "email"] and len(rows[5]) == 11
    assert rows[6:] == cells(expected_users)

    dumped = json.loads(files["-mf"].read_text())
    expected = world.of("chat", START, END)
    assert [(m["userId"], m["messageId"], m["type"]) for m in dumped] == [
        (m["userId"], m["messageId"], m["type"]) for m in expected
    ]
    profiles = json.loads(files["-pf"].read_text())
    assert profiles == [
        {k: v for k, v in platform.profiles[world.user(n)].items() if k != "id"}
        for n in ("ada", "bob")
    ] + [{}]
    assert all(call.startswith(("/task_manager/", "/profile_manager/")) for call in platform.calls)


def test_main_from_the_environment_without_managers(world: World, tmp_path: Path) -> None:
    paths = {
        "ANALYTIC_FILE": tmp_path / "a.tsv",
        "QUESTION_FILE": tmp_path / "q.csv",
        "USER_FILE": tmp_path / "u.tsv",
        "PROFILE_FILE": tmp_path / "p.json",
    }
    env = {k: str(v) for k, v in paths.items()}
    env.update(
        INSTANCE=ANALYTICS,
        APIKEY=apikey(),
        APP_ID=world.app("chat"),
        ILOG_ID=world.app("ilog"),
        SURVEY_ID=world.app("survey"),
        START_TIME=START.isoformat(),
        END_TIME=END.isoformat(),
    )
    done = run_script("analytics-seed-main", env=env)
    assert done.returncode == 0, done.stderr
    _check_analytics(read_rows(paths["ANALYTIC_FILE"]), world, [])

    window = world.of("chat", START, END)
    questions = []
    for m in window:
        if m["type"] == "request" and m["content"]["type"] == "text":
            replies = [
                r
                for r in window
                if r["type"] == "response"
                and r.get("responseTo") == m["messageId"]
                and r["userId"] == m["userId"]
            ]
            replies.sort(key=lambda r: utc(r["timestamp"]))
            questions.append(
                [m["content"]["value"], replies[0]["content"]["value"] if replies else ""]
            )
    assert read_rows(paths["QUESTION_FILE"]) == [
        ["app id", world.app("chat")],
        *HEADER,
        ["total questions", str(len(questions))],
        [],
        ["question", "answer"],
        *questions,
    ]

    users = [
        ["Ada", "Meta", "ada@meta.example", "female", "", "yes", "no"],
        ["", "", "bob@meta.example", "", "", "no", "yes"],
        ["", "", "", "", "", "no", "no"],
    ]
    rows = read_rows(paths["USER_FILE"])
    assert rows[6:] == [
        [*row, "", "", *_activity(world, n)]
        for n, row in zip(("ada", "bob", "cy"), users, strict=True)
    ]
    assert json.loads(paths["PROFILE_FILE"].read_text()) == [
        {"email": "ada@meta.example", "name": {"first": "Ada", "last": "Meta"}, "gender": "female"},
        {"email": "bob@meta.example"},
        {},
    ]
