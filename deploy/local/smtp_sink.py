"""An SMTP sink for development and tests: accepts every mail (with or without AUTH) and keeps
each one as a .eml file, named by arrival time, in the folder given."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


class KeepEveryMail:
    """Writes each message atomically, envelope sender and recipients as headers on top."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        head = f"X-Envelope-From: {envelope.mail_from}\r\n"
        head += "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        raw = envelope.original_content or b""
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(head.encode() + raw)
        tmp.replace(self.folder / name)
        return "250 Message accepted for delivery"


def accept_any_login(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    """Development sink: any user and password may log in."""
    return AuthResult(success=isinstance(data, LoginPassword))


def main() -> None:
    """Runs the sink until stopped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        KeepEveryMail(args.dir),
        hostname=args.host,
        port=args.port,
        authenticator=accept_any_login,
        auth_require_tls=False,
    )
    controller.start()
    print(f"smtp sink on {args.host}:{args.port}, mails in {args.dir}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
