"""Pages: SQL statements per page with the Flask test client, and server times over real
HTTP against gunicorn with 2 workers on 127.0.0.1 (bounded request loops, p50/p95).

A meeting page is measured when the application has one (a GET route taking ``site_id``
and ``meeting_id``); on a branch without it the figure says so.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

from .harness import count_statements, percentile

PASSWORD = "mot-de-passe-du-banc"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROOT = Path(__file__).resolve().parent.parent


def make_app(url: str, workdir: Path):
    from setupflow.config import Settings
    from web import create_app

    from .dataset import NOW

    settings = Settings.from_env({**os.environ, "SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_DATA_DIR": str(workdir),
                                  "SETUPFLOW_SECRET_KEY": "bench-secret"})
    return create_app(settings, test_config={"SETUPFLOW_NOW": lambda: NOW, "SETUPFLOW_PLAIN_HTTP": True})


def logged_in_client(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, f"login as {email} failed ({answer.status_code})"
    return client


def statements(app, client, path: str) -> tuple[int, int]:
    """(SQL statements, HTTP status) for one GET, after a warm-up GET."""
    client.get(path)
    engine = app.extensions["setupflow_engine"]
    with count_statements(engine) as counter:
        status = client.get(path).status_code
    return counter["n"], status


def cpu_ms(client, path: str, count: int, warm_up: bool = True) -> list[float]:
    """CPU milliseconds (this process: the whole request in the test client) of ``count``
    GETs after a warm-up; steadier than wall time on a shared machine."""
    if warm_up:
        client.get(path).get_data()
    out = []
    for _ in range(count):
        t0 = time.process_time()
        answer = client.get(path)
        answer.get_data()  # a streamed answer (the CSV export) is written as it is read
        answer.close()
        status = answer.status_code
        out.append((time.process_time() - t0) * 1000)
        assert status == 200, f"GET {path}: {status}"
    return out


def load_average() -> str:
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


def meeting_route(app) -> str | None:
    """The URL pattern of the meeting page, if the application has one."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and set(rule.arguments) == {"site_id", "meeting_id"}:
            return rule.rule
    return None


def meeting_url(pattern: str, site_id: int, meeting_id: int) -> str:
    return re.sub(r"<(?:\w+:)?meeting_id>", str(meeting_id), re.sub(r"<(?:\w+:)?site_id>", str(site_id), pattern))


# ---- gunicorn ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with 2 sync workers (or ``workers``) serving ``benchmarks.wsgi:app`` on 127.0.0.1."""

    def __init__(self, url: str, workdir: Path, workers: int = 2):
        self.port = free_port()
        env = {**os.environ, "SETUPFLOW_DATABASE_URL": url, "SETUPFLOW_DATA_DIR": str(workdir),
               "SETUPFLOW_SECRET_KEY": "bench-secret", "PYTHONPATH": str(ROOT)}
        self.log = open(workdir / "gunicorn.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                                      "--preload", "benchmarks.wsgi:app"], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class HttpUser:
    """One browser: an HTTP client and its session cookie (gunicorn's sync workers close each
    connection after its answer; http.client opens the next one)."""

    def __init__(self, port: int, email: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        body = self.get("/login")[1]
        token = CSRF.search(body).group(1)
        form = f"email={email}&password={PASSWORD}&csrf_token={token}"
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, f"HTTP login as {email} failed ({status})"

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        answer = self.conn.getresponse()
        data = answer.read().decode("utf-8", "replace")
        for header in answer.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return answer.status, data

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def timings(self, path: str, count: int, warm_up: bool = True) -> list[float]:
        """Milliseconds of ``count`` sequential GETs, after six warm-ups (unless
        ``warm_up`` is False): gunicorn's sync workers take each request on a new connection,
        whichever worker accepts it, and two warm-ups could leave a worker's first request of
        the day (measured apart) in the samples."""
        for _ in range(6 if warm_up else 0):
            self.get(path)
        out = []
        for _ in range(count):
            t0 = time.perf_counter()
            status, _ = self.get(path)
            out.append((time.perf_counter() - t0) * 1000)
            assert status == 200, f"GET {path}: {status}"
        return out


def p50_p95(samples: list[float]) -> tuple[float, float, str]:
    return (percentile(samples, 50), percentile(samples, 95),
            f"p50 {percentile(samples, 50):.1f}, min {min(samples):.1f}, max {max(samples):.1f}, n={len(samples)}")


# ---- the sites and users the pages are measured with ---------------------------------
def few_sites_user(factory, count: int) -> str:
    """A Cress user following ``count`` sites (created once per database)."""
    from sqlalchemy import select

    from setupflow.accounts import operations as accounts
    from setupflow.accounts.models import User
    from setupflow.sites.models import Site

    from .dataset import NOW

    email = f"suivi.{count}.sites@cress.example.test"
    with factory() as session:
        if session.scalar(select(User.id).where(User.email == email)) is None:
            ids = tuple(session.scalars(select(Site.id).order_by(Site.id).limit(count)))
            accounts.create_user(session, email=email, role="cress", password=PASSWORD, now=NOW,
                                 display_name="Suivi fictif", region="Aucune", site_ids=ids)
            session.commit()
    return email


def short_and_long_sites(factory, catalog) -> tuple[int, int]:
    """A site created now (one history entry, no meetings) and the site with the longest history."""
    from sqlalchemy import func, select

    from setupflow.accounts.models import User, UserSite
    from setupflow.sites import operations as ops
    from setupflow.sites.models import HistoryEntry

    from .dataset import CRESS_USER, NOW

    from setupflow.sites.models import Site, WorkflowSnapshot

    with factory() as session:
        # the longest history among the sites in the new site's stage: the page's statements
        # depend on the stage (its tasks, its next steps), and must not depend on the history
        first = catalog.get("cress-disp").workflow.stages[0].id
        # among the dataset's sites: a run before this one on the same database left sites of
        # the advance benchmark's own definition, which the benchmark's user does not follow
        long_id = session.execute(select(HistoryEntry.site_id).join(Site, Site.id == HistoryEntry.site_id)
                                  .join(WorkflowSnapshot, WorkflowSnapshot.id == Site.snapshot_id)
                                  .where(Site.stage == first, WorkflowSnapshot.workflow_id == "cress-disp")
                                  .group_by(HistoryEntry.site_id)
                                  .order_by(func.count().desc()).limit(1)).scalar_one()
        site = ops.create_site(session, catalog, name="Atelier fictif nouveau", workflow_id="cress-disp",
                               start_on="2027-01-04", opening_on="2029-01-01", actor=ops.Actor("bench", True),
                               now=NOW, region="Bretagne", disp="DISP Rennes")
        user_id = session.scalar(select(User.id).where(User.email == CRESS_USER))
        session.add(UserSite(user_id=user_id, site_id=site.id, assigned_dt=NOW))
        session.commit()
        return site.id, long_id


def short_and_long_meetings(factory, short_site: int, long_site: int) -> tuple[int, int]:
    """A meeting of the short-history site (scheduled now) and the latest held meeting of the long one."""
    from sqlalchemy import select

    from setupflow.committees import operations as meetings
    from setupflow.committees.models import Meeting
    from setupflow.sites import operations as ops

    from .dataset import NOW

    with factory() as session:
        site = ops.get_site(session, short_site)
        meeting = meetings.schedule(session, site, "technical", NOW.replace(month=3), ops.Actor("bench", True), NOW)
        session.commit()
        long_meeting = session.scalar(select(Meeting.id).where(Meeting.site_id == long_site,
                                                               Meeting.status == "minutes_approved")
                                      .order_by(Meeting.starts_dt.desc()).limit(1))
        return meeting.id, long_meeting
