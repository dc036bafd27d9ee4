"""kill -9 of a worker at each point of a sweep, then a restart: nothing lost, none dead,
and a duplicate only where the guarantee allows it (the SMTP server accepted the message,
its row was not marked yet), always with the Message-ID of the first copy.

Real ``setupflow worker --once`` processes, a real SMTP server on loopback, SQLite and
PostgreSQL. The worker kills itself with SIGKILL at a named point of the sweep
(``SETUPFLOW_CRASH_AT``, see setupflow/reminders/crash.py), so every point is reached
for sure instead of by luck of timing.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from setupflow.clock import parse_instant as paris
from setupflow.reminders import crash
from setupflow.reminders.models import Reminder
from setupflow.reminders.sweep import LEASE, MARK_EVERY

from mailtools import smtp_env
from reliability import counters
from test_worker_processes import fill_outbox
from tests.refused import refused

REPO = Path(__file__).resolve().parents[2]
REMINDERS = 250  # two claims of the sweep's batch of 200: 200, then 50
BATCH = 200
FIRST_RUN = "2027-03-09T09:00"
#: the restart comes after the lease of whatever the dead worker had claimed
RESTART = (paris(FIRST_RUN) + LEASE + timedelta(minutes=1)).isoformat()


def run_worker(db, smtp_port: int, now: str, crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **smtp_env(db, smtp_port), "PYTHONPATH": str(REPO)}
    env.pop(crash.VARIABLE, None)
    if crash_at:
        env[crash.VARIABLE] = crash_at
    return subprocess.run([sys.executable, "-m", "setupflow", "worker", "--once", "--now", now], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180)


def outbox_states(db) -> tuple[Counter, dict[str, Reminder]]:
    with db.factory() as session:
        rows = list(session.scalars(select(Reminder)))
    return Counter(r.state for r in rows), {r.message_id: r for r in rows if r.message_id}


# point, n, how many messages the SMTP server holds when the worker dies ("n": the n
# accepted ones; None: whatever the n marks covered, every 25 messages or every second),
# and whether a duplicate is allowed there
CASES = [
    ("before_claim", 1, 0, False),        # nothing taken yet
    ("before_claim", 2, BATCH, False),    # the first batch sent and marked, the second not claimed
    ("after_claim", 1, 0, False),         # 200 rows under lease, nothing sent
    ("after_claim", 2, BATCH, False),     # the second batch of 50 under lease
    ("after_accept", 30, "n", True),     # accepted, not all marked: the only window for a duplicate
    ("after_accept", BATCH + 30, "n", True),
    ("after_mark", 1, None, False),       # a mark committed: everything accepted is marked
    ("after_mark", 9, None, False),
]


@pytest.mark.slow
@pytest.mark.parametrize("point,n,held_at_crash,duplicates_allowed", CASES,
                         ids=[f"{p}:{n}" for p, n, _, _ in CASES])
def test_a_worker_killed_at_a_point_of_the_sweep_loses_nothing(any_db, smtp, point, n, held_at_crash,
                                                                duplicates_allowed):
    db = any_db
    fill_outbox(db, REMINDERS)
    died = run_worker(db, smtp.port, FIRST_RUN, crash_at=f"{point}:{n}")
    assert died.returncode == -signal.SIGKILL, f"the worker did not die at {point}:{n}: {died.stderr[-2000:]}"

    accepted = smtp.message_ids()
    states, by_message_id = outbox_states(db)
    if held_at_crash is None:
        assert len(accepted) >= n  # each mark covered one message at least
    else:
        assert len(accepted) == (n if held_at_crash == "n" else held_at_crash)
    assert len(set(accepted)) == len(accepted), "a message went out twice before any crash"
    assert sum(states.values()) == REMINDERS and set(states) <= {"pending", "sending", "sent"}
    # what the server accepted but the outbox does not say sent: what the restart repeats
    unmarked = [mid for mid in accepted if by_message_id[mid].state != "sent"]
    assert states["sent"] == len(accepted) - len(unmarked)
    if point == "after_accept":
        assert 1 <= len(unmarked) <= MARK_EVERY  # at most the batch not yet marked
    else:
        assert unmarked == []

    restarted = run_worker(db, smtp.port, RESTART)
    assert restarted.returncode == 0, restarted.stderr[-2000:]

    states, by_message_id = outbox_states(db)
    assert states == Counter({"sent": REMINDERS}), "lost, failed or dead after the restart"
    assert len(by_message_id) == REMINDERS  # one stable Message-ID per reminder
    received = Counter(smtp.message_ids())
    assert set(received) == set(by_message_id), "a reminder never arrived, or arrived under another Message-ID"
    duplicates = sorted(mid for mid, count in received.items() if count > 1)
    assert all(received[mid] == 2 for mid in duplicates)
    assert sum(received.values()) == REMINDERS + len(duplicates)
    # exactly the accepted-but-unmarked messages came twice, and only where that is allowed
    assert duplicates == sorted(unmarked)
    assert bool(duplicates) == duplicates_allowed
    copies = {}
    for msg in smtp.messages:
        if msg["Message-ID"] in duplicates:
            copies.setdefault(msg["Message-ID"], []).append(
                (msg["To"], msg["Subject"], msg.get_body(("plain",)).get_content()))
    # the same message again (only its Date header says when it was sent)
    assert all(first == again for first, again in copies.values()), "a duplicate differs from its first copy"
    counters.add("sweep crash points (kill -9 then restart)")
    counters.add("reminders checked after a sweep crash", REMINDERS)
    counters.add(f"sweep crash at {point}: duplicates (same Message-ID)", len(duplicates))


def test_the_crash_hook_is_inert_unless_set_and_refuses_a_point_it_does_not_know():
    crash.arm_from_env({})
    for point in crash.POINTS:
        crash.reached(point)  # still alive
    with refused("crash.point_unknown", value="after_send"):
        crash.parse("after_send")
    with refused("crash.count_invalid", value="0", point="after_mark"):
        crash.parse("after_mark:0")
    assert crash.parse("after_accept:30") == ("after_accept", 30)
    assert crash.parse("after_claim") == ("after_claim", 1)
