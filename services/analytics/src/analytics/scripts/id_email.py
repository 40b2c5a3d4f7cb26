"""`analytics-id-email`: the seed's id_email script — each user of an app and their e-mail.

The users are those with a message in the app (in the range, when one is given); the e-mail
comes from a profile manager when one is configured, else from their messages' metadata.
"""

from __future__ import annotations

import argparse

from analytics.scripts.analytics_api import AnalyticsApi
from analytics.scripts.options import (
    EPOCH,
    FAR_FUTURE,
    OneLineParser,
    Row,
    UsageError,
    connection_flags,
    delimiter_for,
    flag,
    parse_window,
    progress,
    range_flags,
    run,
    write_table,
)
from analytics.scripts.platform import ProfileManager
from analytics.scripts.profiles import Profiles, email_of

PROG = "analytics-id-email"


def parser() -> argparse.ArgumentParser:
    """The seed's flags and environment names."""
    p = OneLineParser(prog=PROG, description=__doc__.splitlines()[0] if __doc__ else None)
    flag(p, "-f", "--file", "FILE", "csv/tsv file for the id-email associations")
    connection_flags(p)
    flag(p, "-ai", "--app_id", "APP_ID", "the app (project) whose users to list")
    range_flags(p)
    return p


def associate(args: argparse.Namespace) -> None:
    """Writes the id-email file."""
    if not args.file:
        raise UsageError("give the file to write (-f/FILE)")
    delimiter_for(args.file, "id-email")
    if not args.instance or not args.apikey:
        raise UsageError("give the analytics' URL (-i/INSTANCE) and its key (-a/APIKEY)")
    if not args.app_id:
        raise UsageError("give the app (-ai/APP_ID)")
    window = parse_window(args, required=False)
    api = AnalyticsApi(args.instance, args.apikey)
    pm = (
        ProfileManager(args.profile_manager_url, args.profile_manager_apikey or args.apikey)
        if args.profile_manager_url
        else None
    )
    try:
        if window is None:
            start, end, rows = EPOCH, None, [["app id", args.app_id]]
        else:
            start, end = window.query_start, window.end
            rows = [["app id", args.app_id], *window.header()]
        messages = api.messages(args.app_id, start, end or FAR_FUTURE)
        profiles = Profiles(api, pm, [args.app_id], messages)
        user_ids = sorted({str(m["userId"]) for m in messages})
        associations: list[Row] = []
        with progress(len(user_ids), "users", "user") as bar:
            for user_id in user_ids:
                associations.append([user_id, email_of(profiles.of(user_id))])
                bar.update(1)
        rows += [["total users", len(user_ids)], [], ["id", "email"], *associations]
        write_table(args.file, rows, "id-email")
    finally:
        api.close()
        if pm is not None:
            pm.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    run(PROG, lambda: associate(parser().parse_args(argv)))
