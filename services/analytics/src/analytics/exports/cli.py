"""`analytics-export`: the original's flags and env names (-af, -qf, -uf, -mf, -r, -s, -e)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.settings import load_settings
from tqdm import tqdm

from analytics.analytic.compute import Context
from analytics.analytic.descriptors import FixedWindow, MovingWindow
from analytics.analytic.timewindow import bounds
from analytics.exports.files import (
    analytics_file,
    count_messages,
    questions_file,
    read_messages,
    users_file,
)
from analytics.exports.tables import Row, digest, header
from analytics.messages.schemas import MessageFilter
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices


class ExportError(Exception):
    """Bad options: names them."""


def writer_for(path: Path) -> str:
    """The delimiter a file's extension asks for (.csv or .tsv)."""
    if path.suffix.lower() == ".csv":
        return ","
    if path.suffix.lower() == ".tsv":
        return "\t"
    raise ExportError(f"{path.name}: the file must end in .csv or .tsv")


def write_table(path: Path, rows: list[Row]) -> None:
    """Writes rows as csv or tsv, by extension."""
    delimiter = writer_for(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)


def parse_window(
    time_range_value: str | None, start: str | None, end: str | None
) -> MovingWindow | FixedWindow:
    """-s/-e (START_TIME/END_TIME) win over -r (TIME_RANGE: TODAY, 1D, 7D, 10D, 30D, ...)."""
    try:
        if start and end:
            return FixedWindow(type="fixed", start=start, end=end)  # type: ignore[arg-type]
        if time_range_value:
            return MovingWindow(type="moving", value=time_range_value.lower())
    except ValueError as exc:
        raise ExportError(f"bad time range: {exc}") from exc
    raise ExportError(
        "give a time range (-r/TIME_RANGE) or a start and an end (-s/-e, START_TIME/END_TIME)"
    )


async def export(settings: Settings, args: argparse.Namespace) -> list[str]:
    """Writes the files asked for; returns their paths."""
    window = parse_window(args.range, args.start, args.end)
    outputs = {
        k: Path(v)
        for k, v in (("af", args.analytic_file), ("qf", args.question_file), ("uf", args.user_file))
        if v
    }
    for path in outputs.values():
        writer_for(path)
    if not outputs and not args.message_file:
        raise ExportError("nothing to export: give at least one of -af, -qf, -uf, -mf")
    start, end = bounds(window)
    es = build_client(settings)
    indices = Indices(settings.index_prefix)
    written = []
    try:
        top = header(args.app_id, start, end)
        if "af" in outputs:
            ctx = Context(es, indices, settings.cardinality_precision_threshold)
            write_table(outputs["af"], await analytics_file(ctx, args.app_id, window, top))
            written.append(str(outputs["af"]))
        if {"qf", "uf"} & outputs.keys() or args.message_file:
            where = MessageFilter(project=args.app_id, from_time=start, to_time=end)
            messages = await _messages(es, indices, where)
            data = digest(messages)
            if "qf" in outputs:
                write_table(outputs["qf"], questions_file(data, top))
                written.append(str(outputs["qf"]))
            if "uf" in outputs:
                write_table(outputs["uf"], users_file(data, top))
                written.append(str(outputs["uf"]))
            if args.message_file:
                dump = json.dumps(messages, ensure_ascii=False, indent=2)
                await asyncio.to_thread(Path(args.message_file).write_text, dump, "utf-8")
                written.append(args.message_file)
    finally:
        await es.close()
    return written


async def _messages(
    es: AsyncElasticsearch, indices: Indices, where: MessageFilter
) -> list[dict[str, Any]]:
    """The project's messages in the window, oldest first, with a progress bar on a terminal."""
    total = await count_messages(es, indices, where)
    with tqdm(total=total, unit="msg", desc="messages", disable=not sys.stderr.isatty()) as bar:
        return await read_messages(es, indices, where, seen=bar.update)


def main(argv: list[str] | None = None) -> None:
    """Exports a project's analytics, questions, users and messages over a time range."""
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="analytics-export", description=main.__doc__)
    parser.add_argument(
        "-af", "--analytic_file", default=env("ANALYTIC_FILE"), help="csv/tsv file for analytics"
    )
    parser.add_argument(
        "-qf", "--question_file", default=env("QUESTION_FILE"), help="csv/tsv file for questions"
    )
    parser.add_argument(
        "-uf", "--user_file", default=env("USER_FILE"), help="csv/tsv file for users"
    )
    parser.add_argument(
        "-mf", "--message_file", default=env("MESSAGE_FILE"), help="json file for the messages dump"
    )
    parser.add_argument(
        "-ai", "--app_id", default=env("APP_ID"), help="the project (app id) to export"
    )
    parser.add_argument(
        "-r",
        "--range",
        default=env("TIME_RANGE"),
        help="TODAY, 1D, 7D, 10D, 30D (or <N>d|w|m|y, all)",
    )
    parser.add_argument("-s", "--start", default=env("START_TIME"), help="ISO start time")
    parser.add_argument("-e", "--end", default=env("END_TIME"), help="ISO end time")
    args = parser.parse_args(argv)
    if not args.app_id:
        parser.error("give the project with -ai/--app_id (or APP_ID)")
    settings = load_settings("analytics-export", Settings)
    try:
        for path in asyncio.run(export(settings, args)):
            print(path)
    except ExportError as exc:
        print(f"analytics-export: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
