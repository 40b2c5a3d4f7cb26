"""`analytics-seed-main`: the seed's main script — analytics, questions, users, tasks, messages, profiles.

Over HTTP against a running analytics (INSTANCE + APIKEY), plus a task manager and a profile
manager when they are configured. The files keep the seed's rows and columns.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from typing import Any

from analytics.scripts import tasks as task_data
from analytics.scripts.analytics_api import AnalyticsApi, count_of, order_key, segments_of
from analytics.scripts.options import (
    OneLineParser,
    Row,
    ScriptError,
    UsageError,
    Window,
    connection_flags,
    delimiter_for,
    flag,
    parse_window,
    progress,
    range_flags,
    run,
    write_table,
)
from analytics.scripts.platform import ProfileManager, TaskManager, gender_name
from analytics.scripts.profiles import Profiles, email_of, name_part

PROG = "analytics-seed-main"
USER_COLUMNS = [
    "name",
    "surname",
    "email",
    "gender",
    "incentive cohort",
    "ilog",
    "survey",
    "questions",
    "answers",
    "first activity",
    "last activity",
]


def parser() -> argparse.ArgumentParser:
    """The seed's flags and environment names."""
    p = OneLineParser(prog=PROG, description=__doc__.splitlines()[0] if __doc__ else None)
    flag(p, "-af", "--analytic_file", "ANALYTIC_FILE", "csv/tsv file for the analytics")
    flag(p, "-qf", "--question_file", "QUESTION_FILE", "csv/tsv file for the questions")
    flag(p, "-uf", "--user_file", "USER_FILE", "csv/tsv file for the users")
    flag(p, "-pf", "--profile_file", "PROFILE_FILE", "json file for the users' profiles")
    flag(p, "-tf", "--task_file", "TASK_FILE", "json file for the tasks (needs a task manager)")
    flag(p, "-mf", "--message_file", "MESSAGE_FILE", "json file for the dump of the messages")
    connection_flags(p)
    flag(p, "-ai", "--app_id", "APP_ID", "the app (project) to report on")
    flag(p, "-ii", "--ilog_id", "ILOG_ID", "the ilog app: users who also use it")
    flag(p, "-si", "--survey_id", "SURVEY_ID", "the survey app: users who also use it")
    range_flags(p)
    p.add_argument(
        "--task_manager_url",
        default=os.environ.get("TASK_MANAGER_URL"),
        help="a WeNet-style task manager: adds the task rows and -tf [TASK_MANAGER_URL]",
    )
    p.add_argument(
        "--task_manager_apikey",
        default=os.environ.get("TASK_MANAGER_APIKEY"),
        help="its key, when not APIKEY [TASK_MANAGER_APIKEY]",
    )
    return p


def _checked(args: argparse.Namespace) -> Window:
    if not args.instance or not args.apikey:
        raise UsageError("give the analytics' URL (-i/INSTANCE) and its key (-a/APIKEY)")
    if not args.app_id:
        raise UsageError("give the app (-ai/APP_ID)")
    tables = {"analytics": args.analytic_file, "question": args.question_file}
    tables["user"] = args.user_file
    for what, path in tables.items():
        if path:
            delimiter_for(path, what)
    files = [*tables.values(), args.profile_file, args.task_file, args.message_file]
    if not any(files):
        raise UsageError("nothing to write: give at least one of -af, -qf, -uf, -pf, -tf, -mf")
    if args.task_file and not args.task_manager_url:
        raise UsageError("-tf/TASK_FILE needs a task manager (--task_manager_url/TASK_MANAGER_URL)")
    window = parse_window(args, required=True)
    assert window is not None
    return window


def analytic_rows(api: AnalyticsApi, app_id: str, window: Window) -> list[Row]:
    """The ten message rows, from analytics the service computes."""

    def analytic(kind: str, dimension: str, metric: str) -> dict[str, Any]:
        descriptor = {"type": kind, "timespan": window.timespan, "project": app_id}
        return api.analytic_result({**descriptor, "dimension": dimension, "metric": metric})

    with progress(6, "analytics", "analytic") as bar:
        users: dict[str, int] = {}
        for metric in ("total", "active", "engaged", "new"):
            users[metric] = count_of(analytic("count", "user", metric))
            bar.update(1)
        by_type = segments_of(analytic("segmentation", "message", "all"))
        bar.update(1)
        by_content = segments_of(analytic("segmentation", "message", "requests"))
        bar.update(1)
    return [
        ["total users", users["total"], "Users with a message in the period"],
        ["active users", users["active"], "Users who sent the app a message"],
        ["engaged users", users["engaged"], "Users who received a notification"],
        ["new users", users["new"], "Users seen for the first time in the period"],
        ["total messages", sum(by_type.values()), "Messages exchanged"],
        ["messages from users", by_type.get("request", 0), "Messages sent by users"],
        ["user textual messages", by_content.get("text", 0), "Text messages sent by users"],
        ["user action messages", by_content.get("action", 0), "Buttons and commands sent by users"],
        ["messages from bot", by_type.get("response", 0), "Responses sent by the app"],
        ["messages from wenet", by_type.get("notification", 0), "Notifications sent to users"],
    ]


def questions_from_messages(messages: list[dict[str, Any]]) -> list[Row]:
    """Without a task manager: each textual request and the text of its first response."""
    first_answer: dict[tuple[str, str], dict[str, Any]] = {}
    for message in messages:  # oldest first: the first response kept
        if message.get("type") == "response" and message.get("responseTo"):
            first_answer.setdefault((str(message["userId"]), str(message["responseTo"])), message)
    rows: list[Row] = []
    for message in messages:
        content = message.get("content") or {}
        if message.get("type") != "request" or content.get("type") != "text":
            continue
        answer = first_answer.get((str(message["userId"]), str(message["messageId"])))
        answer_content = (answer or {}).get("content") or {}
        rows.append([content.get("value"), answer_content.get("value")])
    return rows


def _write_json(path: str, data: Any, what: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
    except OSError as exc:
        raise ScriptError(f"cannot write the {what} file {path}: {exc.strerror}") from None


def _moment(message: dict[str, Any]) -> str | None:
    """A message's time as the seed wrote it (str of the parsed ISO timestamp)."""
    return str(datetime.fromisoformat(message["timestamp"])) if message else None


def user_rows(
    api: AnalyticsApi,
    args: argparse.Namespace,
    messages: list[dict[str, Any]],
    profiles: Profiles,
    tasks: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None,
) -> list[Row]:
    """One row per user with a message in the period, in the seed's columns."""
    activity: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        if message.get("type") == "request":
            seen = activity.setdefault(str(message["userId"]), [message, message])
            seen[0] = min(seen[0], message, key=order_key)
            seen[1] = max(seen[1], message, key=order_key)
    asked, answered = task_data.asked_and_answered(*tasks) if tasks else ({}, {})
    rows: list[Row] = []
    user_ids = sorted({str(m["userId"]) for m in messages})
    with progress(len(user_ids), "users", "user") as bar:
        for user_id in user_ids:
            profile = profiles.of(user_id)
            also = [
                "yes" if app and api.has_messages(app, user_id) else "no"
                for app in (args.ilog_id, args.survey_id)
            ]
            first, last = (_moment(m) for m in activity.get(user_id, [{}, {}]))
            rows.append(
                [
                    name_part(profile, "first"),
                    name_part(profile, "last"),
                    email_of(profile),
                    gender_name(profile),
                    None,  # incentive cohort: no incentive server here
                    *also,
                    asked.get(user_id, 0) if tasks else None,
                    answered.get(user_id, 0) if tasks else None,
                    first,
                    last,
                ]
            )
            bar.update(1)
    return rows


def report(args: argparse.Namespace) -> None:
    """Writes every file asked for."""
    window = _checked(args)
    api = AnalyticsApi(args.instance, args.apikey)
    tm = (
        TaskManager(args.task_manager_url, args.task_manager_apikey or args.apikey)
        if args.task_manager_url
        else None
    )
    pm = (
        ProfileManager(args.profile_manager_url, args.profile_manager_apikey or args.apikey)
        if args.profile_manager_url
        else None
    )
    try:
        _report(args, window, api, tm, pm)
    finally:
        for client in (api, tm, pm):
            if client is not None:
                client.close()


def _report(
    args: argparse.Namespace,
    window: Window,
    api: AnalyticsApi,
    tm: TaskManager | None,
    pm: ProfileManager | None,
) -> None:
    top: list[Row] = [["app id", args.app_id], *window.header()]
    tasks = None
    if tm is not None:
        tasks = (
            tm.tasks(args.app_id, window.start, window.end),
            tm.transactions(args.app_id, window.start, window.end),
        )
    if args.analytic_file:
        rows = analytic_rows(api, args.app_id, window)
        rows += task_data.task_rows(*tasks) if tasks else []
        header: list[Row] = [[], ["metric", "count", "description"]]
        write_table(args.analytic_file, [*top, *header, *rows], "analytics")
    if args.task_file and tasks:
        _write_json(args.task_file, tasks[0], "task")
    need_messages = args.message_file or args.user_file or args.profile_file
    messages: list[dict[str, Any]] = []
    if need_messages or (args.question_file and not tasks):
        messages = api.messages(args.app_id, window.query_start, window.end)
    if args.question_file:
        questions = (
            task_data.question_rows(tasks[0]) if tasks else questions_from_messages(messages)
        )
        total: list[Row] = [["total questions", len(questions)], [], ["question", "answer"]]
        write_table(args.question_file, [*top, *total, *questions], "question")
    if args.message_file:
        _write_json(args.message_file, messages, "message")
    profiles = Profiles(api, pm, [args.app_id], messages)
    if args.user_file:
        users = user_rows(api, args, messages, profiles, tasks)
        total = [["total users", len(users)], [], USER_COLUMNS]
        write_table(args.user_file, [*top, *total, *users], "user")
    if args.profile_file:
        user_ids = sorted({str(m["userId"]) for m in messages})
        dumped = [{k: v for k, v in profiles.of(u).items() if k != "id"} for u in user_ids]
        _write_json(args.profile_file, dumped, "profile")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run(PROG, lambda: report(parser().parse_args(argv)))
