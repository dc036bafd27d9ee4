"""The reminder sweep on the full outbox: claiming due rows, an idle sweep, and delivery
to an SMTP server on loopback (aiosmtpd) over one reused connection."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import delete, insert, update

from setupflow.config import Settings
from setupflow.db import transaction
from setupflow.reminders.models import Reminder
from setupflow.reminders.operations import sync
from setupflow.reminders.planned import Planned, Recipient
from setupflow.reminders.sweep import claim, sweep
from setupflow.reminders.worker import Worker

from .dataset import NOW

CLAIMED = 1000
RULE = "bench_claim"


def _due_rows(count: int) -> list[dict]:
    due = NOW - timedelta(minutes=5)
    return [{"rule": RULE, "subject": f"bench:{i}", "due_dt": due, "recipient": f"p{i}@example.test",
             "recipient_name": f"Personne {i}", "language": "fr", "site_id": None, "template": "action_due",
             "context": {"name": f"Personne {i}"}, "is_digest": False, "state": "pending", "send_after_dt": due,
             "expires_dt": None, "attempts": 0, "message_id": None, "last_error": None, "created_dt": due,
             "updated_dt": due, "sent_dt": None, "version_id": 1} for i in range(count)]


def measure_claim(engine, factory, repeat: int) -> tuple[list[float], list[float], int]:
    """Milliseconds to claim CLAIMED due rows among the whole outbox (the claim's own
    committed transaction, as the sweep runs it), wall and CPU time of this process, and
    the statements of one claim; the rows are put back between runs."""
    from .harness import count_statements

    with engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), _due_rows(CLAIMED))
    samples, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        with count_statements(engine) as counted, transaction(factory) as session:
            rows = claim(session, NOW, CLAIMED, "example.test")
            session.expunge_all()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert len(rows) == CLAIMED, f"claimed {len(rows)} rows, expected {CLAIMED}"
        with engine.begin() as conn:
            conn.execute(update(Reminder.__table__).where(Reminder.rule == RULE).values(
                state="pending", send_after_dt=NOW - timedelta(minutes=5), message_id=None, attempts=0))
    with engine.begin() as conn:
        conn.execute(delete(Reminder.__table__).where(Reminder.rule == RULE))
    return samples, cpu, counted["n"]


def measure_personal_lists(factory, repeat: int) -> list[float]:
    """Milliseconds to read the two lists of the notifications page (what is still to be
    sent to a person, what was sent to them: 100 rows each) for the person with the most
    rows: the dataset's Cress coordinator, who sits in every site's team."""
    from setupflow.reminders import personal

    from .dataset import COORDINATOR

    samples = []
    with factory() as session:
        for _ in range(repeat):
            t0 = time.perf_counter()
            personal.upcoming(session, COORDINATOR)
            personal.sent_to(session, COORDINATOR)
            samples.append((time.perf_counter() - t0) * 1000)
            session.expunge_all()
    return samples


#: the rules of the rows the benchmark adds to the outbox (never a rule of a definition)
BENCH_RULES = (RULE, "bench_send_0", "bench_send_1", "bench_send_2")


def forget_bench_rows(engine) -> None:
    """Delete the rows an earlier run added (sent, or left by a run that stopped half-way),
    so that a database is measured again as it was: ``python -m benchmarks --database URL``
    twice on the same database sends its messages again rather than finding them sent."""
    with engine.begin() as conn:
        conn.execute(delete(Reminder.__table__).where(Reminder.rule.in_(BENCH_RULES)))


def measure(engine, factory, url: str, quick: bool):
    forget_bench_rows(engine)
    try:
        return _measure(engine, factory, url, quick)
    finally:
        forget_bench_rows(engine)


def _measure(engine, factory, url: str, quick: bool):
    claim_ms = measure_claim(engine, factory, 3 if quick else 7)
    idle_cpu: list[float] = []

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the SMTP server in its own process, as a real one would be: it does not share this
    # worker's CPU and GIL (in-process, its thread slowed the sweep it was measuring)
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(port)
    try:
        settings = Settings.from_env({"SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_SMTP_HOST": "127.0.0.1",
                                      "SETUPFLOW_SMTP_PORT": str(port)})
        idle_ms = []
        for _ in range(20 if quick else 50):
            t0, c0 = time.perf_counter(), time.process_time()
            result = sweep(factory, settings, NOW)
            idle_ms.append((time.perf_counter() - t0) * 1000)
            idle_cpu.append((time.process_time() - c0) * 1000)
            assert result.sent == 0, f"an idle sweep sent {result.sent} messages: the dataset has due rows"
        # the same minute as the scheduler runs it: a look at changed meetings, the sweep,
        # and the job's health record (written at most every few minutes when all is well)
        tick_ms = []
        with Worker(settings) as worker:
            for minute in range(10, 10 + (20 if quick else 50)):  # minutes pass: earlier changes are seen once
                t0 = time.perf_counter()
                result = worker.noted("sweep", worker.sweep, NOW + timedelta(minutes=minute))
                tick_ms.append((time.perf_counter() - t0) * 1000)
                assert result.sent == 0, f"an idle minute sent {result.sent} messages: the dataset has due rows"

        count = 300 if quick else 1000
        rates = []
        for round_ in range(2 if quick else 3):
            rule = BENCH_RULES[1 + round_]
            planned = [Planned(rule, f"action:{i}", NOW, Recipient(f"p{i}@example.test", f"Personne {i}"),
                               "action_due", {"site": {"id": 0, "name": "Atelier fictif"}, "name": f"Personne {i}",
                                              "action": {"id": i, "text": "Envoyer la note de projet",
                                                         "due_on": "2027-01-05"}})
                       for i in range(count)]
            with transaction(factory) as session:
                sync(session, planned, NOW, site_id=None, rules={rule})
            t0 = time.perf_counter()
            result = sweep(factory, settings, NOW)
            elapsed = time.perf_counter() - t0
            # a row is marked sent only once the server accepted the message
            assert result.sent == count and not result.failed, result
            rates.append(count / elapsed)
    finally:
        server.terminate()
        server.wait(10)
    return claim_ms, (idle_ms, idle_cpu, tick_ms), rates, count


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the SMTP server did not start on port {port}")
