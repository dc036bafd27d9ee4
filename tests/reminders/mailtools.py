"""Helpers for the e-mail tests: an SMTP handler that collects messages, a free port,
the environment of a worker subprocess."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading


class Collector:
    """Keeps every message it receives; ``delay`` slows each one down."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_env(db, smtp_port: int | None) -> dict:
    env = {**db.env(), "SETUPFLOW_MAIL_SENDER": "setupflow <rappels@setupflow.test>",
           "SETUPFLOW_BASE_URL": "https://setupflow.test"}
    if smtp_port is not None:
        env.update({"SETUPFLOW_SMTP_HOST": "127.0.0.1", "SETUPFLOW_SMTP_PORT": str(smtp_port)})
    return env
