"""The intake's group commit: adds made together go to Redis in one round trip, each still atomic
and answered on its own (an entry id, or BacklogFull past the bound), nothing lost or doubled."""

from __future__ import annotations

import asyncio
import uuid

import orjson
from ingest.intake.stream import BacklogFull, IntakeStream
from ingest.state import State


async def test_adds_made_together_share_round_trips_and_keep_the_bound(ingest: State) -> None:
    prefix = f"{ingest.keys.prefix}:groupcommit-{uuid.uuid4().hex[:8]}"
    stream = IntakeStream(
        ingest.redis, f"{prefix}:intake", "bulk-writers", 30, f"{prefix}:dead", f"{prefix}:obs"
    )
    bucket = {"id": "b", "name": "shop", "alert_emails": []}
    try:
        answers = await asyncio.gather(
            *[
                stream.add(bucket=bucket, server=f"s-{n}", frames=[("logs", {"n": n})])
                for n in range(40)
            ],
            return_exceptions=True,
        )
        ids = [a for a in answers if isinstance(a, str)]
        refused = [a for a in answers if isinstance(a, BacklogFull)]
        assert len(ids) == 30 and len(refused) == 10, answers
        assert stream.round_trips < 40  # not one round trip an add
        entries = await ingest.redis.xrange(f"{prefix}:intake")
        assert [e[0].decode() for e in entries] == ids  # in the order asked, each once
        kept = [orjson.loads(e[1][b"d"])["f"][0][1]["n"] for e in entries]
        assert kept == list(range(30))
    finally:
        await ingest.redis.delete(f"{prefix}:intake", f"{prefix}:obs")
