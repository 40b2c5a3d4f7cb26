"""Evaluating alert rules on incoming frames; state (since when, cooldowns) lives in Redis
(alerts/state.py).

A bucket's rules are cached per instance under the version its counter in Redis had when they were
read; a rule change through any instance bumps that counter after MongoDB took it, so the next
frame any instance observes is judged by the new rules (one Redis GET instead of a MongoDB query).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ingest.agent.channels import as_dict
from ingest.alerts.mailer import Mailer
from ingest.alerts.state import AlertState, Reading
from ingest.alerts.store import RuleStore
from ingest.intake.documents import number
from ingest.versions import CacheVersions

log = logging.getLogger("ingest.alerts")

# Cached rules are also dropped after this long: the bound on staleness should a change's
# version bump itself be lost (Redis down right after MongoDB took the change).
CACHE_SECONDS = 60.0
CACHE_BUCKETS = 10_000
Doc = dict[str, Any]


def metric_value(proc: Doc, name: str) -> float | None:
    """cpu and memory from the process; any other name from its axm_monitor."""
    if name in ("cpu", "memory"):
        return number(proc.get(name))
    monitor = proc.get("axm_monitor")
    entry = monitor.get(name) if isinstance(monitor, dict) else None
    return number(entry.get("value") if isinstance(entry, dict) else entry)


def applies(rule: Doc, server: str, process_name: str | None) -> bool:
    """Whether a rule's server and process filters let this process through."""
    if rule.get("server") and rule["server"] != server:
        return False
    return not (rule.get("process") and rule["process"] != process_name)


def breached(rule: Doc, value: float) -> bool:
    """Whether a value is past the rule's threshold."""
    return value > rule["threshold"] if rule["op"] == "above" else value < rule["threshold"]


class AlertEngine:
    """Checks each status and exception against its bucket's rules and mails what fires."""

    def __init__(
        self, *, state: AlertState, versions: CacheVersions, rules: RuleStore, mailer: Mailer
    ):
        self.state = state
        self.versions = versions
        self.rules = rules
        self.mailer = mailer
        # bucket id -> (when read, the rules' version then, its enabled rules)
        self._cache: dict[str, tuple[float, bytes | None, list[Doc]]] = {}

    async def changed(self, bucket_id: str) -> None:
        """Tells every instance that a bucket's rules changed (call after writing them)."""
        self._cache.pop(bucket_id, None)
        await self.versions.rules_changed(bucket_id)

    async def rules_of(self, bucket_id: str) -> list[Doc]:
        """A bucket's enabled rules, cached until any instance changes them."""
        version = await self.versions.rules(bucket_id)  # before the rules
        cached = self._cache.get(bucket_id)
        moment = time.monotonic()
        if cached and cached[1] == version and moment - cached[0] < CACHE_SECONDS:
            return cached[2]
        rules = [r for r in await self.rules.list(bucket_id) if r.get("enabled", True)]
        if len(self._cache) >= CACHE_BUCKETS:
            self._cache.clear()
        self._cache[bucket_id] = (moment, version, rules)
        return rules

    async def observe_status(
        self, bucket: Doc, server: str, procs: list[Doc], at_ms: int, rules: list[Doc] | None = None
    ) -> None:
        """Evaluates a status's processes (parsed once by the caller) received at `at_ms`, against
        `rules` (the bucket's enabled rules, looked up when not given)."""
        if rules is None:
            rules = await self.rules_of(bucket["id"])
        if not rules:
            return
        metric_rules = [r for r in rules if r["kind"] == "metric"]
        if metric_rules:
            await self._metrics(bucket, server, procs, metric_rules, at_ms)
        await self._restarts(bucket, server, procs, [r for r in rules if r["kind"] == "restarts"])

    async def observe_exception(
        self, bucket: Doc, server: str, payload: Any, rules: list[Doc] | None = None
    ) -> None:
        """Evaluates a `process:exception` payload against the bucket's exception rules (`rules`:
        its enabled rules, looked up when not given)."""
        if not isinstance(payload, dict):
            return
        if rules is None:
            rules = await self.rules_of(bucket["id"])
        rules = [r for r in rules if r["kind"] == "exception"]
        if not rules:
            return
        proc = as_dict(payload.get("process"))
        data = as_dict(payload.get("data"))
        name = str(proc.get("name")) if proc.get("name") is not None else None
        for rule in rules:
            if applies(rule, server, name):
                what = f"exception: {data.get('message', '')}"
                details = str(data.get("stack") or "")
                await self.fire(rule, bucket, server, name or "?", what, details)

    async def _metrics(
        self, bucket: Doc, server: str, procs: list[Doc], rules: list[Doc], now_ms: int
    ) -> None:
        readings: list[Reading] = []
        seen: list[tuple[Doc, str, float]] = []  # rule, process, value of each reading
        for rule in rules:
            for proc in procs:
                name = str(proc.get("name"))
                value = metric_value(proc, rule["metric"])
                if value is None or not applies(rule, server, name):
                    continue
                ttl_ms = max(600_000, rule["duration_s"] * 3000)
                readings.append(Reading(rule["id"], server, name, breached(rule, value), ttl_ms))
                seen.append((rule, name, value))
        held = await self.state.since(readings, now_ms)
        for (rule, name, value), since in zip(seen, held, strict=True):
            if since is not None and now_ms - since >= rule["duration_s"] * 1000:
                what = f"{rule['metric']} {rule['op']} {rule['threshold']:g}"
                held = f" for {rule['duration_s']}s" if rule["duration_s"] else ""
                await self.fire(rule, bucket, server, name, f"{what}{held} (now {value:g})", "")

    async def _restarts(self, bucket: Doc, server: str, procs: list[Doc], rules: list[Doc]) -> None:
        if not rules:
            return
        for proc in procs:
            count = proc.get("restart_time")
            if not isinstance(count, int):
                continue
            name = str(proc.get("name"))
            process = f"{name}:{proc.get('pm_id')}"
            previous = await self.state.restarts_seen(bucket["id"], server, process, count)
            if previous is None or count <= previous:
                continue
            for rule in rules:
                if applies(rule, server, name):
                    detail = f"restarted {count - previous} time(s), {count} in total"
                    await self.fire(rule, bucket, server, name, detail, "")

    async def fire(
        self, rule: Doc, bucket: Doc, server: str, process: str, what: str, details: str
    ) -> bool:
        """Mails the bucket's recipients unless the rule is cooling down for this process."""
        cooldown = max(1, int(rule.get("cooldown_s", 300)))
        if not await self.state.cool_down(rule["id"], server, process, cooldown):
            return False
        recipients = list(bucket.get("alert_emails") or [])
        log.info("alert %s on %s/%s: %s", rule["kind"], server, process, what)
        if recipients:
            subject = f"[meridian] {bucket['name']}: {process} on {server}: {what}"[:250]
            body = (
                f"Bucket: {bucket['name']} ({bucket['id']})\nServer: {server}\nProcess: {process}\n"
                f"Rule: {rule['kind']} ({rule['id']})\nAlert: {what}\n"
            )
            if details:
                body += f"\n{details[:20_000]}\n"
            await self.mailer.enqueue(self.mailer.compose(recipients, subject, body))
        return True
