"""The reminder sweep on the full outbox: claiming due rows, an idle sweep, and delivery
to an SMTP server on loopback (aiosmtpd) over one reused connection."""
from __future__ import annotations

import socket
import time
from datetime import timedelta

from sqlalchemy import delete, insert, update

from setupflow.config import Settings
from setupflow.db import transaction
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import Planned, Recipient, sync
from setupflow.reminders.sweep import claim, sweep

from .dataset import NOW

CLAIMED = 1000
RULE = "bench_claim"


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _due_rows(count: int) -> list[dict]:
    due = NOW - timedelta(minutes=5)
    return [{"rule": RULE, "subject": f"bench:{i}", "due_dt": due, "recipient": f"p{i}@example.test",
             "recipient_name": f"Personne {i}", "language": "fr", "site_id": None, "template": "action_due",
             "context": {"name": f"Personne {i}"}, "is_digest": False, "state": "pending", "send_after_dt": due,
             "expires_dt": None, "attempts": 0, "message_id": None, "last_error": None, "created_dt": due,
             "updated_dt": due, "sent_dt": None, "version_id": 1} for i in range(count)]


def measure_claim(engine, factory, repeat: int) -> list[float]:
    """Milliseconds to claim CLAIMED due rows among the whole outbox (the claim's own
    committed transaction, as the sweep runs it); the rows are put back between runs."""
    with engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), _due_rows(CLAIMED))
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with transaction(factory) as session:
            rows = claim(session, NOW, CLAIMED, "example.test")
            session.expunge_all()
        samples.append((time.perf_counter() - t0) * 1000)
        assert len(rows) == CLAIMED, f"claimed {len(rows)} rows, expected {CLAIMED}"
        with engine.begin() as conn:
            conn.execute(update(Reminder.__table__).where(Reminder.rule == RULE).values(
                state="pending", send_after_dt=NOW - timedelta(minutes=5), message_id=None, attempts=0))
    with engine.begin() as conn:
        conn.execute(delete(Reminder.__table__).where(Reminder.rule == RULE))
    return samples


def measure(engine, factory, url: str, quick: bool):
    from aiosmtpd.controller import Controller

    claim_ms = measure_claim(engine, factory, 3 if quick else 7)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings.from_env({"SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_SMTP_HOST": "127.0.0.1",
                                      "SETUPFLOW_SMTP_PORT": str(port)})
        idle_ms = []
        for _ in range(20 if quick else 50):
            t0 = time.perf_counter()
            result = sweep(factory, settings, NOW)
            idle_ms.append((time.perf_counter() - t0) * 1000)
            assert result.sent == 0, f"an idle sweep sent {result.sent} messages: the dataset has due rows"

        count = 300 if quick else 1000
        rates = []
        for round_ in range(2 if quick else 3):
            rule = f"bench_send_{round_}"
            planned = [Planned(rule, f"action:{i}", NOW, Recipient(f"p{i}@example.test", f"Personne {i}"),
                               "action_due", {"site": {"id": 0, "name": "Atelier fictif"}, "name": f"Personne {i}",
                                              "action": {"id": i, "text": "Envoyer la note de projet",
                                                         "due_on": "2027-01-05"}})
                       for i in range(count)]
            with transaction(factory) as session:
                sync(session, planned, NOW, site_id=None, rules={rule})
            before = handler.count
            t0 = time.perf_counter()
            result = sweep(factory, settings, NOW)
            elapsed = time.perf_counter() - t0
            assert result.sent == count == handler.count - before, (result, handler.count - before)
            rates.append(count / elapsed)
    finally:
        controller.stop()
    return claim_ms, idle_ms, rates, count
