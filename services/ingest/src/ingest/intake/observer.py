"""The observer: alert rules and the metrics forwarder, off the request path.

Every accepted batch with a status or an exception is also in the observer's stream (added in the
same atomic step as the intake entry). One consumer per instance reads it in order, parses each
status's processes once, evaluates the bucket's alert rules at the time the batch was received and
queues the batch's metric points for metrics-api in one entry; then it acknowledges the entries.
An entry read by an instance that died is claimed by another: its alerts are evaluated again (the
rule's cooldown and the restart count keep them from mailing twice) and its points carry the same
timestamps (metrics-api keeps one value per series and time).
"""

from __future__ import annotations

from typing import Any

from ingest.agent.channels import processes_of
from ingest.alerts.engine import AlertEngine
from ingest.forwarder.forwarder import Forwarder, points_of
from ingest.intake.stream import Entry, decode
from ingest.stream_queue import Item, StreamQueue


class Observer:
    """Consumes the observer's stream: alerts and forwarding for each accepted status."""

    def __init__(
        self,
        *,
        queue: StreamQueue,
        consumer: str,
        alerts: AlertEngine,
        forwarder: Forwarder | None,
        batch: int = 100,
        claim_idle_ms: int = 60_000,
    ):
        self.queue = queue
        self.consumer = consumer
        self.alerts = alerts
        self.forwarder = forwarder
        self.batch = batch
        self.claim_idle_ms = claim_idle_ms
        self.entries = 0

    async def run(self) -> None:
        """Observes accepted batches until cancelled."""
        await self.queue.consume(
            self.consumer,
            self._handle,
            count=self.batch,
            claim_idle_ms=self.claim_idle_ms,
            claim_every=20,
        )

    async def _handle(self, items: list[Item]) -> None:
        points: list[dict[str, Any]] = []
        rules: dict[str, list[dict[str, Any]]] = {}  # each bucket's rules, looked up once a batch
        for entry_id, fields in items:
            points.extend(await self.observe(decode(entry_id, fields), rules))
        if self.forwarder is not None and points:
            await self.forwarder.enqueue(points)
        await self.queue.done([entry_id for entry_id, _ in items])
        self.entries += len(items)

    async def observe(
        self, entry: Entry, rules: dict[str, list[dict[str, Any]]] | None = None
    ) -> list[dict[str, Any]]:
        """Evaluates an entry's frames against alert rules; its metric points to forward. `rules`
        keeps each bucket's rules across the entries of one batch (one version check a batch, not
        one a status: a rule changed meanwhile holds from the next batch on)."""
        bucket = {"id": entry.bucket, "name": entry.bucket_name, "alert_emails": entry.alert_emails}
        memo = {} if rules is None else rules
        points: list[dict[str, Any]] = []
        for channel, payload in entry.frames:
            if channel == "status" and isinstance(payload, dict):
                procs = processes_of(payload)
                found = await self._rules(memo, entry.bucket)
                await self.alerts.observe_status(
                    bucket, entry.server, procs, entry.received_ms, rules=found
                )
                if self.forwarder is not None:
                    points.extend(points_of(entry.bucket_name, procs, entry.received_ms))
            elif channel == "process:exception":
                found = await self._rules(memo, entry.bucket)
                await self.alerts.observe_exception(bucket, entry.server, payload, rules=found)
        return points

    async def _rules(self, memo: dict[str, list[dict[str, Any]]], bucket_id: str) -> list[Any]:
        if bucket_id not in memo:
            memo[bucket_id] = await self.alerts.rules_of(bucket_id)
        return memo[bucket_id]
