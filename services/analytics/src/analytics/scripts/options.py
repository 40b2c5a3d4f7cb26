"""What every script shares: flags read from the environment, time ranges, tables, one-line errors."""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from dateutil.relativedelta import relativedelta
from tqdm import tqdm

Row = Sequence[Any]
# Asking an analytics for "every message ever": Elasticsearch and our service take years 1-9999.
EPOCH = datetime(1970, 1, 1)
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59)


class ScriptError(Exception):
    """A problem the operator can fix; printed as one line, exit status 1."""


class UsageError(ScriptError):
    """A bad flag or value; exit status 2, as argparse."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line (no usage block) and goes through run()."""

    def error(self, message: str) -> NoReturn:
        """Raises instead of printing the usage."""
        raise UsageError(message)


def flag(
    parser: argparse.ArgumentParser, short: str, long: str, env: str, help: str, default: Any = None
) -> None:
    """A string flag whose default is the environment variable the seed read."""
    parser.add_argument(short, long, default=os.environ.get(env, default), help=f"{help} [{env}]")


def connection_flags(parser: argparse.ArgumentParser) -> None:
    """-i/INSTANCE and -a/APIKEY, and the optional profile manager."""
    flag(parser, "-i", "--instance", "INSTANCE", "base URL of the analytics (memex logging) API")
    flag(
        parser,
        "-a",
        "--apikey",
        "APIKEY",
        "its API key (sent as X-Api-Key and x-wenet-component-apikey)",
    )
    parser.add_argument(
        "--profile_manager_url",
        default=os.environ.get("PROFILE_MANAGER_URL"),
        help="a WeNet-style profile manager for names and e-mails [PROFILE_MANAGER_URL]; "
        "without one they come from the users' message metadata",
    )
    parser.add_argument(
        "--profile_manager_apikey",
        default=os.environ.get("PROFILE_MANAGER_APIKEY"),
        help="its key, when not APIKEY [PROFILE_MANAGER_APIKEY]",
    )


def range_flags(parser: argparse.ArgumentParser) -> None:
    """-r/TIME_RANGE or -s/START_TIME and -e/END_TIME."""
    flag(parser, "-r", "--range", "TIME_RANGE", "TODAY, 1D, 7D, 10D, 30D (any <N>D|W|M|Y, ALL)")
    flag(parser, "-s", "--start", "START_TIME", "ISO start time (with -e instead of -r)")
    flag(parser, "-e", "--end", "END_TIME", "ISO end time (with -s instead of -r)")


_MOVING = re.compile(r"^([0-9]+)([dwmy])$", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """A time range as the seed took it: the analytic's timespan and its two bounds."""

    timespan: dict[str, Any]
    start: datetime | None
    end: datetime

    def header(self) -> list[Row]:
        """The `from` and `to` rows the seed's files carry (its str() of the bounds)."""
        return [["from", "" if self.start is None else str(self.start)], ["to", str(self.end)]]

    @property
    def query_start(self) -> datetime:
        """The lower bound to ask the API for (the epoch for `all`)."""
        return EPOCH if self.start is None else self.start


def _midnight() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)


def moving_window(value: str) -> Window:
    """TODAY, ALL or <N>D|W|M|Y counted back from today's midnight (UTC), as the seed did."""
    midnight = _midnight()
    if value.lower() == "today":
        return Window({"type": "moving", "value": "today"}, midnight, midnight + timedelta(days=1))
    if value.lower() == "all":
        return Window({"type": "moving", "value": "all"}, None, midnight)
    found = _MOVING.match(value)
    if found is None:
        raise UsageError(f"bad time range {value!r}: give TODAY, ALL or <N>D|W|M|Y (1D, 7D, 30D…)")
    amount, unit = int(found.group(1)), found.group(2).lower()
    if amount > 5000 * {"d": 366, "w": 53, "m": 12, "y": 1}[unit]:
        raise UsageError(f"bad time range {value!r}: at most 5000 years back")
    back = {
        "d": relativedelta(days=amount),
        "w": relativedelta(weeks=amount),
        "m": relativedelta(months=amount),
        "y": relativedelta(years=amount),
    }[unit]
    return Window({"type": "moving", "value": value}, midnight - back, midnight)


def _moment(name: str, value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"bad {name} {value!r}: give an ISO 8601 time") from None


def fixed_window(start: str, end: str) -> Window:
    """From -s to -e (ISO 8601)."""
    first, last = _moment("start time", start), _moment("end time", end)
    try:
        if first > last:
            raise UsageError("the start time is after the end time")
    except TypeError:
        raise UsageError("give both times with a UTC offset, or both without") from None
    return Window(
        {"type": "fixed", "start": first.isoformat(), "end": last.isoformat()}, first, last
    )


def parse_window(args: argparse.Namespace, *, required: bool) -> Window | None:
    """-s/-e win over -r; None when neither is given and the script allows it."""
    if args.start and args.end:
        return fixed_window(args.start, args.end)
    if args.start or args.end:
        raise UsageError("give both a start (-s/START_TIME) and an end (-e/END_TIME)")
    if args.range:
        return moving_window(args.range)
    if required:
        raise UsageError(
            "give a time range (-r/TIME_RANGE) or a start and an end (-s/-e, START_TIME/END_TIME)"
        )
    return None


def as_utc(moment: datetime) -> datetime:
    """Naive moments are UTC (as Elasticsearch takes them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def delimiter_for(path: str, what: str) -> str:
    """`,` for .csv, a tab for .tsv; anything else is refused as the seed did."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "," if suffix == ".csv" else "\t"
    raise UsageError(f"the {what} file must end in .csv or .tsv, not {path!r}")


def write_table(path: str, rows: Iterable[Row], what: str) -> None:
    """Writes rows as csv or tsv by the file's extension."""
    delimiter = delimiter_for(path, what)
    try:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    except OSError as exc:
        raise ScriptError(f"cannot write the {what} file {path}: {exc.strerror}") from None


def read_table(path: str, what: str) -> list[dict[str, str]]:
    """The rows of a csv/tsv dump, by its header."""
    delimiter = delimiter_for(path, what)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle, delimiter=delimiter))
    except OSError as exc:
        raise ScriptError(f"cannot read the {what} file {path}: {exc.strerror}") from None


def progress(total: int | None, desc: str, unit: str) -> tqdm[Any]:
    """A progress bar on stderr, drawn only when stderr is a terminal."""
    return tqdm(total=total, desc=desc, unit=unit, disable=not sys.stderr.isatty(), leave=False)


def run(prog: str, body: Callable[[], None]) -> None:
    """Runs a script's body; a ScriptError is one line on stderr and a non-zero exit."""
    try:
        body()
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except ScriptError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
