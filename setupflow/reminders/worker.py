"""The worker: one APScheduler 3 scheduler with two periodic jobs, a sweep (send what is
due) and a planning pass (bring every site's reminders up to date).

What is due lives in our own ``reminders`` table; APScheduler only keeps time, with its
in-memory job store. Missed runs (the machine slept, the worker was down) are coalesced
into one run that catches up, never skipped. Never start a worker inside web workers:
run ``setupflow worker`` once, or ``start_background`` in a one-machine ``setupflow serve``.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from ..clock import use_timezone
from ..config import Settings
from ..db import is_sqlite, make_engine, make_session_factory, transaction
from ..sites.models import Site
from ..sites.operations import reach_final_state_when_due
from . import crash
from .health import note_run
from .leader import SqliteWorkerLock, planning_turn
from .operations import plan_site
from .sweep import SweepResult, sweep

log = logging.getLogger("setupflow.worker")

SWEEP_SECONDS = 60
PLAN_SECONDS = 15 * 60
#: a run missed by up to a day still happens (once, thanks to coalesce)
MISFIRE_GRACE = 24 * 3600
#: clocks of the web and worker machines may differ a little
CHANGE_MARGIN = timedelta(minutes=2)
#: successes in a row are recorded at most this often (``health``: late after 15 min)
NOTE_OK_EVERY = timedelta(minutes=5)


@dataclass
class PlanResult:
    sites: int = 0
    created: int = 0
    rescheduled: int = 0
    withdrawn: int = 0
    failed_sites: int = 0
    #: another worker held the planning turn (PostgreSQL advisory lock)
    skipped: bool = False
    #: portfolio lines recomputed because the day or a meeting's start made them stale
    portfolio_lines: int = 0
    #: calendar feed parts written ahead of time (missing or stale for a live feed)
    feed_parts: int = 0

    def problem(self) -> str | None:
        """What an administrator must hear about this pass (``health``), or None."""
        return f"planning failed for {self.failed_sites} site(s); see the worker's log" if self.failed_sites else None


class Worker:
    def __init__(self, settings: Settings):
        crash.arm_from_env()  # a test hook, inert unless SETUPFLOW_CRASH_AT is set
        self.settings = settings
        use_timezone(settings.timezone)
        self.engine = make_engine(settings.database_url)
        self.factory = make_session_factory(self.engine)
        self.lock = SqliteWorkerLock(settings.database_url) if is_sqlite(settings.database_url) else None
        self.stopping = threading.Event()
        #: the planning job and the sweep's look at changed meetings never overlap
        self.planning = threading.Lock()
        #: when the meetings were last looked at for changes
        self.changes_seen_dt: datetime | None = None
        #: per job, when this worker last wrote a success that followed a success
        self.noted_ok: dict[str, datetime] = {}

    def __enter__(self) -> "Worker":
        if self.lock is not None:
            self.lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        if self.lock is not None:
            self.lock.release()
        self.engine.dispose()

    def plan(self, now: datetime, site_ids: list[int] | None = None, programmes: bool = False) -> PlanResult:
        """Re-plan every site (or those given, and with ``programmes`` the programme
        meetings), one transaction each: a broken site does not stop the others."""
        with self.planning:
            if site_ids is not None:  # a few changed sites: idempotent, any worker may do it
                return self._plan(now, site_ids, programmes)
            with planning_turn(self.engine) as mine:
                if not mine:
                    log.info("another worker is planning; this pass is skipped")
                    return PlanResult(skipped=True)
                result = self._plan(now, site_ids)
                self._refresh_portfolio(now, result)
                self._warm_feeds(now, result)
                return result

    def _refresh_portfolio(self, now: datetime, result: PlanResult) -> None:
        """The portfolio lines that the day made stale (health, overdue, next meeting): done
        here, every full pass, so that the first reader of a new day does not pay for them."""
        from ..portfolio_summary import refresh_day

        try:
            with transaction(self.factory) as session:
                result.portfolio_lines = refresh_day(session, now)
        except Exception:
            log.exception("refreshing the portfolio lines failed; readers refresh them instead")

    def _warm_feeds(self, now: datetime, result: PlanResult) -> None:
        """The calendar feeds' parts that a change, a new day or a new release made stale,
        written and kept in the database here, every full pass, a chunk a transaction, so
        that the first request of a new server process or of a new day writes none (2,000
        sites written from nothing cost that request seconds)."""
        from .feeds import warm_feeds

        try:
            result.feed_parts = warm_feeds(self.factory, now, self.stopping)
        except Exception:
            log.exception("writing the calendar feeds' parts failed; their first request writes them instead")

    def _plan_programmes(self, now: datetime, result: PlanResult) -> None:
        """The reminders of the programme editions' meetings, in one transaction."""
        try:
            from ..definitions.programmes import load_programmes
            from .programme_meetings import plan_programmes

            catalog = load_programmes(self.settings.workflow_dirs)
            with transaction(self.factory) as session:
                synced = plan_programmes(session, now, catalog)
        except Exception:
            log.exception("planning the reminders of the programme meetings failed")
            result.failed_sites += 1
            return
        result.created += synced.created
        result.rescheduled += synced.rescheduled
        result.withdrawn += synced.withdrawn

    def _plan(self, now: datetime, site_ids: list[int] | None, programmes: bool = False) -> PlanResult:
        result = PlanResult()
        full = site_ids is None
        if site_ids is None:
            with transaction(self.factory) as session:
                site_ids = list(session.scalars(select(Site.id).order_by(Site.id)))
            self.changes_seen_dt = now
        for site_id in site_ids:
            if self.stopping.is_set():
                break
            try:
                with transaction(self.factory) as session:
                    site = session.get(Site, site_id)
                    reach_final_state_when_due(session, site, now)
                    synced = plan_site(session, site, now)
            except Exception:
                log.exception("planning reminders of site %s failed", site_id)
                result.failed_sites += 1
                continue
            result.sites += 1
            result.created += synced.created
            result.rescheduled += synced.rescheduled
            result.withdrawn += synced.withdrawn
        if (full or programmes) and not self.stopping.is_set():
            self._plan_programmes(now, result)
        if full and not self.stopping.is_set():
            try:
                from .weekly import plan_weekly

                with transaction(self.factory) as session:
                    result.created += plan_weekly(session, now).created
            except Exception:
                log.exception("planning the weekly digests failed")
                result.failed_sites += 1
        return result

    def plan_changed(self, now: datetime) -> PlanResult:
        """Re-plan only the sites whose meetings changed since the last look, so that a
        move or a cancellation goes out at the next sweep, not at the next full pass."""
        from ..committees.models import Meeting

        since, self.changes_seen_dt = self.changes_seen_dt, now
        if since is None:
            return PlanResult()
        with transaction(self.factory) as session:
            # no DISTINCT: with it SQLite scans (site_id, starts_dt) instead of seeking ix_meetings_updated_dt
            changed = set(session.scalars(select(Meeting.site_id).where(Meeting.updated_dt >= since - CHANGE_MARGIN)))
        # a programme edition's meeting has no site: the programme meetings are planned again
        programmes = None in changed
        return self.plan(now, sorted(changed - {None}), programmes=programmes)

    def sweep(self, now: datetime) -> SweepResult:
        self.plan_changed(now)
        return sweep(self.factory, self.settings, now, stop=self.stopping)

    def once(self, now: datetime) -> tuple[PlanResult, SweepResult]:
        """One planning pass and one sweep, as if it were ``now`` (cron, tests)."""
        return self.noted("plan", self.plan, now), self.noted("sweep", self.sweep, now)

    def noted(self, name: str, job, now: datetime):
        """Run one job as if it were ``now`` and leave its outcome in ``worker_runs``
        (``health``), at the real time it ended; its errors propagate. A planning pass
        skipped for another worker's turn is not this one's run."""
        try:
            outcome = job(now)
        except Exception as exc:
            self._note(name, f"{type(exc).__name__}: {exc}")
            raise
        if not getattr(outcome, "skipped", False):
            self._note(name, outcome.problem())
        return outcome

    def _note(self, name: str, problem: str | None) -> None:
        """A failure is written at once; a success after a success only every
        ``NOTE_OK_EVERY``, so that an idle minute stays a read (the write and its commit
        cost ~0.8 ms against ~0.3 ms for the idle sweep, and take SQLite's write lock)."""
        ended = datetime.now(timezone.utc)
        last_ok = self.noted_ok.get(name)
        if problem is None and last_ok is not None and ended - last_ok < NOTE_OK_EVERY:
            return
        note_run(self.factory, name, ended, problem)
        if problem is None:
            self.noted_ok[name] = ended
        else:
            self.noted_ok.pop(name, None)

    # -- the scheduler -------------------------------------------------------------------
    def _scheduler(self, scheduler_class):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore

        scheduler = scheduler_class(jobstores={"default": MemoryJobStore()},
                                    executors={"default": ThreadPoolExecutor(2)},
                                    job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": MISFIRE_GRACE},
                                    timezone=timezone.utc)
        started = datetime.now(timezone.utc)
        scheduler.add_job(lambda: self._run("plan", self.plan), "interval", seconds=PLAN_SECONDS, id="plan",
                          next_run_time=started)
        scheduler.add_job(lambda: self._run("sweep", self.sweep), "interval", seconds=SWEEP_SECONDS, id="sweep",
                          next_run_time=started)
        return scheduler

    def _run(self, name: str, job) -> None:
        try:
            outcome = self.noted(name, job, datetime.now(timezone.utc))
            log.info("%s", outcome)
        except Exception:
            log.exception("worker job failed; it runs again at its next interval")

    def run_forever(self) -> None:
        """Block until SIGTERM or SIGINT; the running sweep finishes its current batch first."""
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler = self._scheduler(BlockingScheduler)

        def stop(signum, _frame):
            log.info("signal %s: stopping the worker", signum)
            self.stopping.set()
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("worker started (sweep every %ss, planning every %ss)", SWEEP_SECONDS, PLAN_SECONDS)
        scheduler.start()


def start_background(settings: Settings):
    """Run the worker in background threads of this process (one-machine ``setupflow serve``).

    Returns the started ``BackgroundScheduler``; call ``stop_background(scheduler)`` to stop.
    Raises ``leader.WorkerBusy`` if a worker already runs against the same SQLite database.
    """
    from apscheduler.schedulers.background import BackgroundScheduler

    worker = Worker(settings).__enter__()
    scheduler = worker._scheduler(BackgroundScheduler)
    scheduler.setupflow_worker = worker
    scheduler.start()
    return scheduler


def stop_background(scheduler) -> None:
    worker = scheduler.setupflow_worker
    worker.stopping.set()
    scheduler.shutdown(wait=True)
    worker.__exit__(None, None, None)
