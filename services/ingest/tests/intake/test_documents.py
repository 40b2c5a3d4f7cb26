"""Frames into documents, without any engine."""

from __future__ import annotations

from ingest.intake.documents import documents, instant, number
from ingest.intake.stream import Entry

NOW = 1_700_000_000_000


def entry(frames: list) -> Entry:
    return Entry(
        id="1700000000000-0",
        bucket="abc",
        bucket_name="b",
        server="m1",
        received_ms=NOW,
        frames=frames,
    )


def test_numbers_and_instants_are_parsed_defensively() -> None:
    assert number("10.23") == 10.23
    assert number(7) == 7.0
    assert number("1.5 MiB") is None
    assert number(True) is None
    assert number(float("nan")) is None
    assert instant(NOW - 5000, NOW) == NOW - 5000
    assert instant((NOW - 5000) / 1000, NOW) == NOW - 5000
    assert instant("2023-11-14T22:13:15Z", NOW) == 1_699_999_995_000
    assert instant(12, NOW) == NOW  # implausible: the receipt time is used
    assert instant("yesterday", NOW) == NOW


def test_each_channel_family_has_its_kind_and_ids_are_deterministic() -> None:
    frames = [
        (
            "status",
            {
                "data": {
                    "process": [
                        {
                            "name": "api",
                            "pm_id": 0,
                            "cpu": 3,
                            "memory": 10,
                            "axm_monitor": {
                                "Heap Size": {"value": "10.5", "unit": "MiB"},
                                "label": {"value": "abc"},
                            },
                            "axm_actions": [{"action_name": "hello"}],
                        },
                        {"name": "worker", "pm_id": 1, "cpu": "x"},
                    ]
                }
            },
        ),
        (
            "logs",
            {
                "data": "hello\n",
                "log_type": "err",
                "at": NOW - 10,
                "process": {"name": "api", "pm_id": 0},
            },
        ),
        (
            "process:exception",
            {
                "data": {"message": "boom", "stack": "Error: boom\n at x"},
                "process": {"name": "api"},
            },
        ),
        ("trace-span", {"traceId": "t", "id": "s", "name": "GET /", "duration": 12}),
        ("profilings", {"data": {"type": "cpuprofile", "uuid": "u", "success": True}}),
        ("my:custom", [1, 2, 3]),
    ]
    docs = documents(entry(frames))
    assert [d.kind for d in docs] == [
        "status",
        "status",
        "logs",
        "exceptions",
        "traces",
        "profilings",
        "events",
    ]
    assert [d.id for d in docs][:3] == [
        "1700000000000-0.0.0",
        "1700000000000-0.0.1",
        "1700000000000-0.1.0",
    ]
    assert [d.id for d in documents(entry(frames))] == [d.id for d in docs]
    api = docs[0].source
    assert api["metrics"] == [
        {"name": "Heap Size", "value": 10.5, "text": "10.5", "unit": "MiB"},
        {"name": "label", "value": None, "text": "abc"},
    ]
    assert api["actions"] == ["hello"]
    assert "cpu" not in docs[1].source  # "x" is not a number
    assert docs[2].source["stream"] == "err" and docs[2].source["@timestamp"] == NOW - 10
    assert docs[3].source["fingerprint"] == documents(entry(frames))[3].source["fingerprint"]
    assert docs[6].source["channel"] == "my:custom"
    assert docs[6].source["data"] == {"payload": [1, 2, 3]}
