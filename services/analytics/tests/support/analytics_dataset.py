"""A generated conversation dataset and the true answers of every analytic, computed in Python."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

PROJECT = "proj-a"
OTHER = "proj-b"
BASE = datetime(2024, 3, 1, tzinfo=UTC)
NOW = datetime(2024, 3, 16, 8, 0, tzinfo=UTC)
FIXED = (datetime(2024, 3, 5, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC))
GENDER_VALUES = ["male", "female", "non-binary", "in-another-way", "prefer-not-to-say", "robot"]
INTENTS = ["greet", "default", "book", "cancel", "weather"]
DOMAINS = ["travel", "smalltalk", "food"]
PLUS_TWO = timezone(timedelta(hours=2))

# Every count and segmentation (dimension, metric) and window the compute tests compute.
COUNTS = [
    ("user", "total"),
    ("user", "active"),
    ("user", "engaged"),
    ("user", "new"),
    ("message", "requests"),
    ("message", "responses"),
    ("message", "notifications"),
    ("message", "from_bot"),
    ("conversation", "total"),
    ("conversation", "new"),
    ("dialogue", "fallback"),
    ("dialogue", "intents"),
    ("dialogue", "domains"),
    ("bot", "response"),
]
SEGMENTATIONS = [("message", "all"), ("message", "requests"), ("user", "gender"), ("user", "age")]
WINDOWS = [
    {"type": "fixed", "start": FIXED[0].isoformat(), "end": FIXED[1].isoformat()},
    {"type": "moving", "value": "7d"},
    {"type": "moving", "value": "1w"},
    {"type": "moving", "value": "today"},
    {"type": "moving", "value": "all"},
]


def _iso(moment: datetime, rng: random.Random) -> str:
    # A few messages carry a +02:00 offset: the same instant, written differently.
    if rng.random() < 0.15:
        return moment.astimezone(PLUS_TWO).isoformat()
    return moment.isoformat()


def generate(seed: int = 7) -> list[dict[str, Any]]:
    """~600 messages of 30 users in two projects over 20 days of March 2024."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    serial = 0

    def next_id(kind: str) -> str:
        nonlocal serial
        serial += 1
        return f"{kind}-{serial:05d}"

    for u in range(30):
        user = f"user-{u:02d}"
        project = OTHER if u >= 26 else PROJECT
        if u == 25:  # exactly one message in its whole life
            moment = BASE + timedelta(days=8, hours=3)
            out.append(_request(next_id("m"), user, project, None, moment, rng, {"score": 42}))
            continue
        for c in range(rng.randint(1, 3)):
            conversation = None if rng.random() < 0.1 else f"conv-{u:02d}-{c}"
            moment = BASE + timedelta(
                days=rng.randint(0, 19), hours=rng.randint(0, 22), minutes=rng.randint(0, 59)
            )
            for _turn in range(rng.randint(1, 4)):
                metadata: dict[str, Any] = {}
                if rng.random() < 0.6:
                    metadata["score"] = rng.randint(0, 100)
                if u < 12:
                    metadata["gender"] = GENDER_VALUES[(u + c) % len(GENDER_VALUES)]
                if u < 16:
                    metadata["birthDate"] = date(1950 + 3 * u, 1 + u % 12, 1 + u).isoformat()
                request = _request(
                    next_id("m"), user, project, conversation, moment, rng, metadata or None
                )
                out.append(request)
                if rng.random() < 0.8:
                    moment += timedelta(seconds=rng.randint(1, 30))
                    out.append(
                        _response(next_id("m"), user, project, conversation, moment, request, rng)
                    )
                moment += timedelta(minutes=rng.randint(1, 20))
            if rng.random() < 0.4:
                moment += timedelta(hours=1)
                out.append(_notification(next_id("m"), user, project, conversation, moment, rng))
    return out


def _request(mid, user, project, conversation, moment, rng, metadata) -> dict[str, Any]:
    if rng.random() < 0.7:
        content = {"type": "text", "value": f"question {mid}?"}
    else:
        content = {"type": "action", "value": f"/button-{rng.randint(1, 3)}"}
    return {
        "type": "request",
        "messageId": mid,
        "conversationId": conversation,
        "channel": rng.choice(["telegram", "web"]),
        "userId": user,
        "timestamp": _iso(moment, rng),
        "project": project,
        "content": content,
        "domain": rng.choice(DOMAINS),
        "intent": {"name": rng.choice(INTENTS), "confidence": round(rng.random(), 2)},
        "entities": [{"type": "city", "value": "Trento", "confidence": 0.9}],
        "language": "en",
        "metadata": metadata,
    }


def _response(mid, user, project, conversation, moment, request, rng) -> dict[str, Any]:
    return {
        "type": "response",
        "messageId": mid,
        "conversationId": conversation,
        "channel": request["channel"],
        "userId": user,
        "timestamp": _iso(moment, rng),
        "project": project,
        "content": {
            "type": "text",
            "value": f"answer to {request['messageId']}",
            "buttons": [{"type": "action", "buttonText": "ok", "buttonId": "b1"}],
        },
        "responseTo": request["messageId"],
        "metadata": {"score": rng.randint(0, 100)} if rng.random() < 0.5 else None,
    }


def _notification(mid, user, project, conversation, moment, rng) -> dict[str, Any]:
    return {
        "type": "notification",
        "messageId": mid,
        "conversationId": conversation,
        "channel": "telegram",
        "userId": user,
        "timestamp": _iso(moment, rng),
        "project": project,
        "content": {"type": "carousel", "cards": [{"title": "a card", "buttons": []}]},
        "metadata": None,
    }


def moment(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["timestamp"]).astimezone(UTC)


def window(messages, project, start, end) -> list[dict[str, Any]]:
    """The project's messages with start <= timestamp <= end (start None: no lower bound)."""
    return [
        m
        for m in messages
        if m["project"] == project and (start is None or moment(m) >= start) and moment(m) <= end
    ]


def expected_count(messages, project, start, end, dimension, metric) -> int:
    """The true answer of a count analytic."""
    w = window(messages, project, start, end)
    by_type = lambda *t: [m for m in w if m["type"] in t]  # noqa: E731

    def first_seen(field: str) -> int:
        history = window(messages, project, None, end)
        first: dict[str, datetime] = {}
        for m in history:
            if m.get(field) is not None:
                first[m[field]] = min(first.get(m[field], moment(m)), moment(m))
        inside = {m[field] for m in w if m.get(field) is not None}
        return len([k for k in inside if start is None or first[k] >= start])

    answers = {
        ("user", "total"): lambda: len({m["userId"] for m in w}),
        ("user", "active"): lambda: len({m["userId"] for m in by_type("request")}),
        ("user", "engaged"): lambda: len({m["userId"] for m in by_type("notification")}),
        ("user", "new"): lambda: first_seen("userId"),
        ("message", "requests"): lambda: len(by_type("request")),
        ("message", "responses"): lambda: len(by_type("response")),
        ("message", "notifications"): lambda: len(by_type("notification")),
        ("message", "from_bot"): lambda: len(by_type("response", "notification")),
        ("conversation", "total"): lambda: len(
            {m["conversationId"] for m in w if m["conversationId"]}
        ),
        ("conversation", "new"): lambda: first_seen("conversationId"),
        ("dialogue", "fallback"): lambda: len(
            [m for m in w if (m.get("intent") or {}).get("name") == "default"]
        ),
        ("dialogue", "intents"): lambda: len({m["intent"]["name"] for m in w if m.get("intent")}),
        ("dialogue", "domains"): lambda: len({m["domain"] for m in w if m.get("domain")}),
        ("bot", "response"): lambda: len(
            [u for u, n in Counter(m["userId"] for m in w).items() if n == 1]
        ),
    }
    return answers[(dimension, metric)]()


def _latest(messages, project, end, user, keys) -> dict[str, Any]:
    mine = [
        m
        for m in window(messages, project, None, end)
        if m["userId"] == user and any(k in (m.get("metadata") or {}) for k in keys)
    ]
    return max(mine, key=moment)["metadata"] if mine else {}


def expected_segments(messages, project, start, end, dimension, metric) -> dict[str, int]:
    """The true answer of a segmentation analytic, as {segment: count}."""
    w = window(messages, project, start, end)
    if dimension == "message" and metric == "all":
        return dict(Counter(m["type"] for m in w))
    if dimension == "message":
        return dict(Counter(m["content"]["type"] for m in w if m["type"] == "request"))
    users = sorted({m["userId"] for m in w})
    if metric == "gender":
        known = ["male", "female", "non-binary", "in-another-way", "prefer-not-to-say"]
        values = [_latest(messages, project, end, u, ["gender"]).get("gender") for u in users]
        found = [v if v in known else "unavailable" for v in values]
        return {k: found.count(k) for k in [*known, "unavailable"]}
    today = datetime.now(UTC).date()
    segments = {
        "0-18": (0, 18),
        "19-25": (19, 25),
        "26-35": (26, 35),
        "36-45": (36, 45),
        "46-55": (46, 55),
        "55+": (56, 10_000),
    }
    out = dict.fromkeys([*segments, "unavailable"], 0)
    for u in users:
        birth = _latest(messages, project, end, u, ["birthDate"]).get("birthDate")
        if birth is None:
            out["unavailable"] += 1
            continue
        b = date.fromisoformat(birth)
        age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
        out[next(k for k, (lo, hi) in segments.items() if lo <= age <= hi)] += 1
    return out


def scores(messages, project, start, end, keep=lambda m: True) -> list[float]:
    """metadata.score of the window's messages that pass a filter."""
    return [
        float(m["metadata"]["score"])
        for m in window(messages, project, start, end)
        if keep(m) and (m.get("metadata") or {}).get("score") is not None
    ]


def extended(values: list[float]) -> dict[str, float]:
    """What extended_stats reports that stats does not (population variance)."""
    mean = statistics.fmean(values)
    return {
        "sum_of_squares": sum(v * v for v in values),
        "variance": statistics.pvariance(values, mean),
        "std_deviation": statistics.pstdev(values, mean),
    }
