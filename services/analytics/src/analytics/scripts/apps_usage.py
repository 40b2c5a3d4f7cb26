"""`analytics-apps-usage`: the seed's apps_usage script — which apps each user uses.

Users: those with a message in one of the apps, the ilog app or the survey app in the range,
and those of the profile-update and failure dumps dated in it. For each, in the seed's columns:
e-mail, registered to survey, completed survey, chatbot (the apps they ever used), ilog.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from dateutil import parser as dateparser

from analytics.scripts.analytics_api import AnalyticsApi
from analytics.scripts.options import (
    EPOCH,
    FAR_FUTURE,
    OneLineParser,
    Row,
    UsageError,
    Window,
    as_utc,
    connection_flags,
    delimiter_for,
    flag,
    parse_window,
    progress,
    range_flags,
    read_table,
    run,
    write_table,
)
from analytics.scripts.platform import ProfileManager
from analytics.scripts.profiles import Profiles, email_of

PROG = "analytics-apps-usage"
COLUMNS = ["email", "registered to survey", "completed survey", "chatbot", "ilog"]


def parser() -> argparse.ArgumentParser:
    """The seed's flags and environment names."""
    p = OneLineParser(prog=PROG, description=__doc__.splitlines()[0] if __doc__ else None)
    flag(p, "-o", "--output", "OUTPUT_FILE", "csv/tsv file for the users' apps usage")
    connection_flags(p)
    flag(p, "-ai", "--app_ids", "APP_IDS", "the chatbots (projects), separated by ;")
    flag(p, "-ii", "--ilog_id", "ILOG_ID", "the ilog app")
    flag(p, "-si", "--survey_id", "SURVEY_ID", "the survey app (several separated by ;)")
    flag(
        p,
        "-u",
        "--updates",
        "USER_UPDATES_DUMP",
        "csv/tsv dump(s) of profile updates (wenet_id, last_update), separated by ;",
    )
    flag(
        p,
        "-f",
        "--failures",
        "USER_FAILURES_DUMP",
        "csv/tsv dump(s) of failed updates (wenet_id, failure_datetime), separated by ;",
    )
    range_flags(p)
    return p


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def dumped_users(
    paths: list[str], column: str, window: Window | None, what: str
) -> tuple[set[str], set[str]]:
    """(users dated in the range, every user) of csv/tsv dumps with `wenet_id` and a date column."""
    in_range: set[str] = set()
    everyone: set[str] = set()
    for path in paths:
        for number, row in enumerate(read_table(path, what), start=2):
            if "wenet_id" not in row or column not in row:
                raise UsageError(f"{path} needs the columns wenet_id and {column}")
            try:
                moment = as_utc(dateparser.parse(row[column]))
            except (ValueError, OverflowError):
                raise UsageError(f"{path}, line {number}: bad {column} {row[column]!r}") from None
            everyone.add(row["wenet_id"])
            if window is None or _inside(moment, window):
                in_range.add(row["wenet_id"])
    return in_range, everyone


def _inside(moment: datetime, window: Window) -> bool:
    start = as_utc(window.query_start)
    return start <= moment <= as_utc(window.end)


def usage(args: argparse.Namespace) -> None:
    """Writes the apps usage file."""
    if not args.output:
        raise UsageError("give the file to write (-o/OUTPUT_FILE)")
    delimiter_for(args.output, "output")
    if not args.instance or not args.apikey:
        raise UsageError("give the analytics' URL (-i/INSTANCE) and its key (-a/APIKEY)")
    apps = _split(args.app_ids)
    if not apps:
        raise UsageError("give the apps (-ai/APP_IDS, separated by ;)")
    window = parse_window(args, required=False)
    updates, all_updates = dumped_users(
        _split(args.updates), "last_update", window, "user updates dump"
    )
    failures, all_failures = dumped_users(
        _split(args.failures), "failure_datetime", window, "user failures dump"
    )
    api = AnalyticsApi(args.instance, args.apikey)
    pm = (
        ProfileManager(args.profile_manager_url, args.profile_manager_apikey or args.apikey)
        if args.profile_manager_url
        else None
    )
    try:
        rows = _rows(api, pm, args, apps, window, updates | failures, all_updates | all_failures)
    finally:
        api.close()
        if pm is not None:
            pm.close()
    header: list[Row] = window.header() if window else []
    write_table(args.output, [*header, ["total users", len(rows)], [], COLUMNS, *rows], "output")


def _rows(
    api: AnalyticsApi,
    pm: ProfileManager | None,
    args: argparse.Namespace,
    apps: list[str],
    window: Window | None,
    dumped: set[str],
    ever_dumped: set[str],
) -> list[Row]:
    start, end = (window.query_start, window.end) if window else (EPOCH, FAR_FUTURE)
    ilog = [args.ilog_id] if args.ilog_id else []
    surveys = _split(args.survey_id)
    users = set(dumped)
    for project in [*apps, *ilog, *surveys]:
        users.update(api.users(project, start, end))
    profiles = Profiles(api, pm, [*apps, *ilog, *surveys])
    infos = []
    with progress(len(users), "users", "user") as bar:
        for user_id in sorted(users):
            chatbots = ";".join(app for app in apps if api.has_messages(app, user_id))
            in_survey = any(api.has_messages(s, user_id) for s in surveys)
            infos.append(
                [
                    email_of(profiles.of(user_id)),
                    "yes" if in_survey or user_id in ever_dumped else "no",
                    "yes" if user_id in ever_dumped else "no",
                    chatbots,
                    "yes" if ilog and api.has_messages(ilog[0], user_id) else "no",
                ]
            )
            bar.update(1)
    # The seed sorted by the chatbot column, descending; the user id keeps ties stable here.
    return sorted(infos, key=lambda row: row[3], reverse=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run(PROG, lambda: usage(parser().parse_args(argv)))
