"""How many reminders a sweep sends per second to an SMTP server on loopback.

    python benchmarks/bench_outbox_send.py [COUNT] [DATABASE_URL]

Without a URL: a fresh SQLite file. With a PostgreSQL URL: that (empty, migrated) database.
The figure in the README comes from this script.
"""
from __future__ import annotations

import socket
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from setupflow import migrate  # noqa: E402
from setupflow.config import Settings  # noqa: E402
from setupflow.db import make_engine, make_session_factory, transaction  # noqa: E402
from setupflow.reminders.operations import sync  # noqa: E402
from setupflow.reminders.planned import Planned, Recipient  # noqa: E402
from setupflow.reminders.sweep import sweep  # noqa: E402


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main(count: int, url: str | None) -> None:
    url = url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    now = datetime(2027, 3, 9, 8, 0, tzinfo=timezone.utc)
    planned = [Planned("bench", f"action:{i}", now, Recipient(f"p{i}@example.test", f"Personne {i}"), "action_due",
                       {"site": {"id": 0, "name": "Atelier fictif"}, "name": f"Personne {i}",
                        "action": {"id": i, "text": "Envoyer la note de projet", "due_on": "2027-03-10"}})
               for i in range(count)]
    with transaction(factory) as session:
        sync(session, planned, now, site_id=None, rules={"bench"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings.from_env({"SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_SMTP_HOST": "127.0.0.1",
                                  "SETUPFLOW_SMTP_PORT": str(port)})
    started = time.perf_counter()
    result = sweep(factory, settings, now)
    elapsed = time.perf_counter() - started
    controller.stop()
    assert result.sent == handler.count == count, (result, handler.count)
    print(f"{engine.dialect.name}: {count} reminders rendered, sent over one SMTP connection and marked sent "
          f"in {elapsed:.2f} s: {count / elapsed:.0f} messages/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, sys.argv[2] if len(sys.argv) > 2 else None)
