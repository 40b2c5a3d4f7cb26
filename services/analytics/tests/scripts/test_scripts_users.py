"""analytics-id-email and analytics-apps-usage as subprocesses against the suite's analytics
through the gateway: their files compared with what the stored data says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scripts_expected import END, START, World, days_ago, text
from scripts_world import (
    ANALYTICS,
    Platform,
    apikey,
    forget,
    gateway,
    read_rows,
    run_script,
    serve_platform,
    store,
)

EMAILS = {"ann": "ann@meta.example", "ben": "ben@meta.example", "eve": "eve@meta.example"}


def users_world() -> World:
    """`recent`: eve 2 days ago, fay 5, gus 40, hal today at 01:00. bot1/bot2/ilog/survey: ann, ben and
    cat in the fixed window, don after it."""
    w = World()

    def meta(name: str) -> dict[str, str]:
        return {"email": EMAILS[name]} if name in EMAILS else {}

    for name, when in (("eve", days_ago(2)), ("fay", days_ago(5)), ("gus", days_ago(40))):
        w.say("recent", name, "request", when, text("hi"), metadata=meta(name))
    w.say("recent", "hal", "request", days_ago(0, hour=1), text("today"))
    w.say("bot1", "ann", "request", "2026-01-12T10:00:00Z", text("hi"), metadata=meta("ann"))
    w.say("bot2", "ann", "request", "2025-12-01T10:00:00Z", text("earlier"))
    w.say("ilog", "ann", "request", "2026-01-13T10:00:00Z", text("ilog"))
    w.say("bot2", "ben", "response", "2026-01-14T10:00:00Z", text("yo"), metadata=meta("ben"))
    w.say("survey", "ben", "request", "2025-11-01T10:00:00Z", text("survey"))
    w.say("survey", "cat", "request", "2026-01-15T10:00:00Z", text("survey"))
    w.say("bot1", "don", "request", "2026-02-02T10:00:00Z", text("late"))
    return w


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = users_world()
    with gateway() as client:
        store(client, w.messages)
        yield w
        forget(client, w.messages)


def _midnight() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)


def test_id_email_over_30_days_from_metadata(world: World, tmp_path: Path) -> None:
    out = tmp_path / "ids.tsv"
    env = {
        "FILE": str(out),
        "INSTANCE": ANALYTICS,
        "APIKEY": apikey(),
        "APP_ID": world.app("recent"),
        "TIME_RANGE": "30D",
    }
    done = run_script("analytics-id-email", env=env)
    assert done.returncode == 0, done.stderr
    start, end = _midnight() - timedelta(days=30), _midnight()
    users = world.users_of("recent", start, end)
    assert users == [world.user("eve"), world.user("fay")]
    by_id = {world.user(n): e for n, e in EMAILS.items()}
    assert read_rows(out) == [
        ["app id", world.app("recent")],
        ["from", str(start)],
        ["to", str(end)],
        ["total users", str(len(users))],
        [],
        ["id", "email"],
        *[[u, by_id.get(u, "")] for u in users],
    ]


def test_id_email_of_every_user_from_a_profile_manager(world: World, tmp_path: Path) -> None:
    platform = Platform(key=f"pm-{world.run}")
    for name in ("eve", "gus"):
        platform.profiles[world.user(name)] = {
            "id": world.user(name),
            "email": f"{name}@pm.example",
        }
    out = tmp_path / "ids.csv"
    with serve_platform(platform) as url:
        done = run_script(
            "analytics-id-email",
            "-f",
            str(out),
            "-i",
            ANALYTICS,
            "-a",
            apikey(),
            "-ai",
            world.app("recent"),
            "--profile_manager_url",
            f"{url}/profile_manager",
            "--profile_manager_apikey",
            platform.key,
        )
    assert done.returncode == 0, done.stderr
    users = sorted({m["userId"] for m in world.messages if m["project"] == world.app("recent")})
    emails = {u: p["email"] for u, p in platform.profiles.items()}
    assert read_rows(out) == [
        ["app id", world.app("recent")],
        ["total users", "4"],
        [],
        ["id", "email"],
        *[[u, emails.get(u, "")] for u in users],
    ]


def test_apps_usage_of_apps_dumps_ilog_and_survey(world: World, tmp_path: Path) -> None:
    updates, failures, out = tmp_path / "updates.csv", tmp_path / "failures.tsv", tmp_path / "o.tsv"
    updates.write_text(
        f"wenet_id,last_update\n{world.user('eli')},2026-01-15 10:00:00\n"
        f"{world.user('don')},2026-02-01T00:00:00Z\n"
    )
    failures.write_text(
        f"wenet_id\tfailure_datetime\n{world.user('fin')}\t2026-01-11T00:00:00+01:00\n"
    )
    done = run_script(
        "analytics-apps-usage",
        "-o",
        str(out),
        "-ai",
        f"{world.app('bot1')};{world.app('bot2')}",
        "-ii",
        world.app("ilog"),
        "-si",
        world.app("survey"),
        "-u",
        str(updates),
        "-f",
        str(failures),
        "-s",
        START.isoformat(),
        "-e",
        END.isoformat(),
        env={"INSTANCE": ANALYTICS, "APIKEY": apikey()},
    )
    assert done.returncode == 0, done.stderr

    dumped_in_window = {world.user("eli"), world.user("fin")}
    ever_dumped = dumped_in_window | {world.user("don")}
    users = set(dumped_in_window)
    for app in ("bot1", "bot2", "ilog", "survey"):
        users.update(world.users_of(app, START, END))
    by_id = {world.user(n): e for n, e in EMAILS.items()}
    rows = []
    for user in sorted(users):
        rows.append(
            [
                by_id.get(user, ""),
                "yes" if world.ever_used("survey", user) or user in ever_dumped else "no",
                "yes" if user in ever_dumped else "no",
                ";".join(world.app(a) for a in ("bot1", "bot2") if world.ever_used(a, user)),
                "yes" if world.ever_used("ilog", user) else "no",
            ]
        )
    rows.sort(key=lambda row: row[3], reverse=True)
    assert len(rows) == 5
    assert read_rows(out) == [
        ["from", "2026-01-10 00:00:00"],
        ["to", "2026-01-20 00:00:00"],
        ["total users", "5"],
        [],
        ["email", "registered to survey", "completed survey", "chatbot", "ilog"],
        *rows,
    ]
