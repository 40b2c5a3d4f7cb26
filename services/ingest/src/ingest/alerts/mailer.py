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

from ingest.stream_queue import Item, StreamQueue, field

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
        self.queue = StreamQueue(redis, queue.key, queue.group, maxlen=MAX_QUEUE)
        self.dead_key = queue.dead_key
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
        await self.queue.add({"m": message.as_bytes()})

    async def pending(self) -> int:
        """Mails queued and not yet sent (or given up)."""
        return await self.queue.length()

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

    async def _send_all(self, items: list[Item]) -> None:
        """Sends each mail, acknowledging it at once (a refused one goes to the dead letters)."""
        for entry_id, fields in items:
            raw = field(fields, "m")
            sent = raw is not None and await self._deliver(raw)
            await self.queue.done([entry_id], None if sent else (self.dead_key, {"m": raw or b""}))

    async def run(self) -> None:
        """Sends queued mails until cancelled; a Redis outage pauses it, never stops it."""
        await self.queue.consume(
            self.consumer, self._send_all, count=10, claim_idle_ms=self.claim_idle_ms
        )
