"""A real SMTP server for tests (aiosmtpd, in a thread on a free port) whose answer can be switched.

`mode` "accept" takes every message; "temporary" answers 451 to each recipient, "permanent" 550 (as a server
does for an unknown mailbox); `refuse` does the same for single addresses. Messages taken are kept in `messages` (email.message.Message, with `Message-ID`).
"""

import asyncio
import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class SwitchableHandler:
    def __init__(self) -> None:
        self.mode = "accept"
        self.delay = 0.0  # seconds before each message is accepted (a slow server)
        self.refuse: dict[str, str] = {}  # address -> "temporary" or "permanent", whatever the mode
        self.sessions = 0  # SMTP sessions opened (EHLO)
        self.messages: list[Message] = []
        self.refused: list[tuple[str, str]] = []  # (recipient, code)
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: Any) -> Any:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        mode = self.refuse.get(address, self.mode)
        if mode == "temporary":
            self.refused.append((address, "451"))
            return "451 4.3.0 Try again later"
        if mode == "permanent":
            self.refused.append((address, "550"))
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[SwitchableHandler]:
    """Django's SMTP backend pointed at a real SMTP server running in this process."""
    handler = SwitchableHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()
