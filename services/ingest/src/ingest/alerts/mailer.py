"""Alert e-mails over SMTP (aiosmtplib), queued durably in a Redis Stream and sent with retries.

An alert's mail is added to the stream when the alert fires; a consumer group (one consumer per
ingest instance) sends each one and then acknowledges and deletes it. A mail whose sender died
before acknowledging it is claimed by another instance after MAIL_CLAIM_IDLE_MS, so a crash or a
restart loses no mail (at worst one is sent twice). A mail SMTP keeps refusing is given up after
`attempts` tries, logged and kept in the dead-letter stream.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from redis.asyncio import Redis
from redis.exceptions import ResponseError

log = logging.getLogger("ingest.mailer")

MAX_QUEUE = 100_000
MAIL_CLAIM_IDLE_MS = 120_000


@dataclass(frozen=True)
class SmtpConfig:
    """Where and as whom to send."""

    host: str
    port: int
    user: str
    password: str
    sender: str


@dataclass(frozen=True)
class MailQueue:
    """The Redis names the mails go through."""

    key: str
    group: str
    dead_key: str


class Mailer:
    """Queues alert mails in Redis and sends them from a background task."""

    def __init__(
        self,
        config: SmtpConfig,
        redis: Redis,
        queue: MailQueue,
        consumer: str,
        *,
        attempts: int = 5,
        claim_idle_ms: int = MAIL_CLAIM_IDLE_MS,
    ):
        self.config = config
        self.redis = redis
        self.queue = queue
        self.consumer = consumer
        self.attempts = attempts
        self.claim_idle_ms = claim_idle_ms
        self.sent = 0
        self.failed = 0

    def compose(self, recipients: list[str], subject: str, body: str) -> EmailMessage:
        """An alert message."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message.set_content(body)
        return message

    async def enqueue(self, message: EmailMessage) -> None:
        """Adds a message to the durable queue (raises if Redis is unreachable)."""
        await self.redis.xadd(
            self.queue.key, {"m": message.as_bytes()}, maxlen=MAX_QUEUE, approximate=True
        )

    async def pending(self) -> int:
        """Mails queued and not yet sent (or given up)."""
        return int(await self.redis.xlen(self.queue.key))

    async def send(self, message: EmailMessage) -> None:
        """Sends one message now (STARTTLS when offered, AUTH when offered)."""
        config = self.config
        smtp = aiosmtplib.SMTP(
            hostname=config.host, port=config.port, timeout=10, start_tls=None, use_tls=False
        )
        async with smtp:
            if config.user and smtp.supports_extension("auth"):
                await smtp.login(config.user, config.password)
            await smtp.send_message(message)

    async def _ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.queue.key, self.queue.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _next(self) -> list[tuple[str, bytes]]:
        """Mails a dead sender left behind first, then new ones (blocks up to a second)."""
        claimed = await self.redis.xautoclaim(
            self.queue.key,
            self.queue.group,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=10,
        )
        items = [(i, f) for i, f in (claimed[1] if claimed else []) if f]
        if not items:
            found = await self.redis.xreadgroup(
                self.queue.group, self.consumer, {self.queue.key: ">"}, count=10, block=1000
            )
            items = [(i, f) for _, entries in found or [] for i, f in entries if f]
        return [
            (i.decode() if isinstance(i, bytes) else str(i), f.get(b"m", f.get("m")))
            for i, f in items
        ]

    async def _deliver(self, raw: bytes) -> bool:
        """Sends one queued mail, retrying with backoff; False once it was given up."""
        message: Any = email.message_from_bytes(raw, policy=email.policy.default)
        for attempt in range(1, self.attempts + 1):
            try:
                await self.send(message)
                self.sent += 1
                return True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sending %r failed (%s), try %d", message["Subject"], exc, attempt)
                if attempt < self.attempts:
                    await asyncio.sleep(min(30, 2**attempt))
        self.failed += 1
        log.error("gave up sending %r", message["Subject"])
        return False

    async def _done(self, entry_id: str, raw: bytes, sent: bool) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            if not sent:
                pipe.xadd(self.queue.dead_key, {"m": raw}, maxlen=10_000, approximate=True)
            pipe.xack(self.queue.key, self.queue.group, entry_id)
            pipe.xdel(self.queue.key, entry_id)
            await pipe.execute()

    async def run(self) -> None:
        """Sends queued mails until cancelled; a Redis outage pauses it, never stops it."""
        group_ready = False
        while True:
            try:
                if not group_ready:
                    await self._ensure_group()
                    group_ready = True
                for entry_id, raw in await self._next():
                    if raw is None:
                        await self._done(entry_id, b"", sent=True)
                        continue
                    await self._done(entry_id, raw, await self._deliver(raw))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                group_ready = group_ready and "NOGROUP" not in str(exc)
                log.warning("mailer: %s; retrying", exc)
                await asyncio.sleep(2)
