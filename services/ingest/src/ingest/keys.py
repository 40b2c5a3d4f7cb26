"""The names of every Redis key and channel ingest uses, under one prefix per deployment."""

from __future__ import annotations


class RedisKeys:
    """Builds Redis names under INGEST_REDIS_PREFIX, so test runs and deployments never collide."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.intake = f"{prefix}:intake"
        self.intake_dead = f"{prefix}:intake:dead"
        self.intake_group = "bulk-writers"
        self.observe = f"{prefix}:intake:observe"
        self.observe_group = "observers"
        self.forward = f"{prefix}:forward"
        self.forward_group = "forwarders"
        self.retention_lock = f"{prefix}:retention:lock"
        # Bumped after every bucket change: each instance's key cache checks it (buckets/service.py).
        self.buckets_version = f"{prefix}:buckets:version"
        self.mail = f"{prefix}:mail"
        self.mail_dead = f"{prefix}:mail:dead"
        self.mail_group = "mailers"

    def status(self, bucket: str, server: str) -> str:
        """The latest full status a server sent (JSON)."""
        return f"{self.prefix}:status:{bucket}:{server}"

    def status_pattern(self, bucket: str) -> str:
        """Every server's latest status in a bucket, for SCAN."""
        return f"{self.prefix}:status:{bucket}:*"

    def of_bucket(self, bucket: str) -> list[str]:
        """What is kept per bucket, for SCAN and DEL when it is deleted: its servers' statuses,
        presence and restart counts, and its rules' version (alert state is per rule and expires)."""
        return [
            self.status_pattern(bucket),
            f"{self.prefix}:agent:{bucket}:*",
            f"{self.prefix}:restarts:{bucket}:*",
            self.rules_version(bucket),
        ]

    def agent(self, bucket: str, server: str) -> str:
        """Which ingest instance holds the server's websocket (expires unless refreshed)."""
        return f"{self.prefix}:agent:{bucket}:{server}"

    def commands(self, instance: str) -> str:
        """The pub/sub channel an instance receives commands for its agents on."""
        return f"{self.prefix}:cmd:{instance}"

    def replies(self, instance: str) -> str:
        """The pub/sub channel an instance receives agents' replies to its commands on."""
        return f"{self.prefix}:reply:{instance}"

    def live(self, bucket: str) -> str:
        """The pub/sub channel a bucket's live status and logs are fanned out on."""
        return f"{self.prefix}:live:{bucket}"

    def rules_version(self, bucket: str) -> str:
        """Bumped after a bucket's alert rules change: each instance's rule cache checks it."""
        return f"{self.prefix}:rules:version:{bucket}"

    def alert_since(self, rule: str, server: str, process: str) -> str:
        """When a threshold rule's condition started holding for one process."""
        return f"{self.prefix}:alert:since:{rule}:{server}:{process}"

    def alert_cooldown(self, rule: str, server: str, process: str) -> str:
        """Set while a rule's mail for one process is cooling down."""
        return f"{self.prefix}:alert:cooldown:{rule}:{server}:{process}"

    def restarts(self, bucket: str, server: str, process: str) -> str:
        """The restart count last seen for a process."""
        return f"{self.prefix}:restarts:{bucket}:{server}:{process}"
