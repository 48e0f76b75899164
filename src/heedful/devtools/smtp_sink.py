"""A real SMTP server on loopback that keeps every mail it receives (demo outbox, tests)."""

from __future__ import annotations

import mailbox
from pathlib import Path

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, outbox: Path | None):
        self.messages: list[bytes] = []
        self.maildir = mailbox.Maildir(outbox, create=True) if outbox else None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        if self.maildir is not None:
            self.maildir.add(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 8025, outbox: Path | None = None):
        self.keeper = _Keeper(outbox)
        self.controller = Controller(self.keeper, hostname=host, port=port)

    @property
    def messages(self) -> list[bytes]:
        return self.keeper.messages

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
