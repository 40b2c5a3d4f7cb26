"""Alert e-mails over SMTP (aiosmtplib), sent by a background task with retries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

log = logging.getLogger("ingest.mailer")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and as whom to send."""

    host: str
    port: int
    user: str
    password: str
    sender: str


class Mailer:
    """A queue of alert mails and the task that sends them."""

    def __init__(self, config: SmtpConfig, attempts: int = 5):
        self.config = config
        self.attempts = attempts
        self.queue: asyncio.Queue[EmailMessage] = asyncio.Queue(maxsize=10_000)
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

    def enqueue(self, message: EmailMessage) -> None:
        """Queues a message; when the queue is full the message is logged and dropped."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.failed += 1
            log.error("mail queue full; dropped %r", message["Subject"])

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

    async def run(self) -> None:
        """Sends queued messages until cancelled, retrying each with backoff."""
        while True:
            message = await self.queue.get()
            for attempt in range(1, self.attempts + 1):
                try:
                    await self.send(message)
                    self.sent += 1
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("sending %r failed (%s), try %d", message["Subject"], exc, attempt)
                    await asyncio.sleep(min(30, 2**attempt))
            else:
                self.failed += 1
                log.error("gave up sending %r", message["Subject"])
