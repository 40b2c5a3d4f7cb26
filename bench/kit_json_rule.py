"""The kit's JSON rule on ingest's hot path: parse_json() against a bare orjson.loads() of a
realistic 1 MB push body (PM2 log frames, as bench/ingest_push.py sends them).

    uv run python bench/kit_json_rule.py [--frames 5600] [--repeat 15]

Prints the best time of each and the median overhead over interleaved rounds; needs nothing
running.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import timeit
import uuid

import orjson
from meridian_kit.json_body import parse_json


def push_body(frames: int) -> bytes:
    """Log frames as an app under PM2 produces them (about 190 bytes each)."""
    now = int(time.time() * 1000)
    return orjson.dumps(
        [
            {
                "channel": "logs",
                "payload": {
                    "data": f"GET /api/items/{i} 200 {i % 97}ms user=u{i % 1000} "
                    f"trace={uuid.uuid4().hex}",
                    "log_type": "out" if i % 10 else "err",
                    "at": now + i,
                    "process": {"name": f"api-{i % 4}", "pm_id": i % 4},
                },
            }
            for i in range(frames)
        ]
    )


def rounds(raw: bytes, repeat: int) -> tuple[list[float], list[float]]:
    """Interleaved rounds of 5 calls each (ms per call), so both see the same machine load."""
    bare, ruled = [], []
    for _ in range(repeat):
        bare.append(timeit.timeit(lambda: orjson.loads(raw), number=5) / 5 * 1000)
        ruled.append(timeit.timeit(lambda: parse_json(raw), number=5) / 5 * 1000)
    return bare, ruled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=5600)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    raw = push_body(args.frames)
    assert parse_json(raw) == orjson.loads(raw)
    bare, ruled = rounds(raw, args.repeat)
    ratio = statistics.median(r / b for b, r in zip(bare, ruled, strict=True))
    print(
        json.dumps(
            {
                "body_bytes": len(raw),
                "orjson_loads_best_ms": round(min(bare), 2),
                "parse_json_best_ms": round(min(ruled), 2),
                "median_round_overhead": f"{(ratio - 1) * 100:.1f}%",
            }
        )
    )


if __name__ == "__main__":
    main()
