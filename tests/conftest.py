"""Real databases for the tests: a fresh, migrated SQLite file per test, and a fresh
PostgreSQL database per test (cloned from a migrated template) on the server that
scripts/test starts. In CI a missing PostgreSQL server fails the run; it never skips.
"""
from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from setupflow import migrate
from setupflow.config import Settings
from setupflow.db import make_engine, make_session_factory
from setupflow.definitions import load_catalog

REPO = Path(__file__).resolve().parent.parent
#: the shipped method (SETUPFLOW_TEST_WORKFLOWS: another folder, for tests/test_engine_tests_alone.py)
WORKFLOWS = Path(os.environ.get("SETUPFLOW_TEST_WORKFLOWS") or REPO / "workflows")
#: small synthetic definitions for the engine's tests (the shipped method stays for the method's)
DEFINITIONS = REPO / "tests" / "definitions"
PG_ADMIN_URL = os.environ.get("SETUPFLOW_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_report_header(config):
    return f"PostgreSQL for tests: {PG_ADMIN_URL or 'not configured (postgres tests skip locally, fail in CI)'}"


@dataclass
class TestDatabase:
    url: str
    backend: str

    def __post_init__(self):
        self.engine = make_engine(self.url)
        self.factory = make_session_factory(self.engine)

    def settings(self, **overrides) -> Settings:
        env = {"SETUPFLOW_DATABASE_URL": self.url, "SETUPFLOW_WORKFLOWS_DIR": str(WORKFLOWS),
               "SETUPFLOW_DATA_DIR": str(Path(self.url.rpartition("/")[2]).parent)}
        base = Settings.from_env(env)
        return Settings(**{**base.__dict__, **overrides})

    def env(self) -> dict:
        return {"SETUPFLOW_DATABASE_URL": self.url, "SETUPFLOW_WORKFLOWS_DIR": str(WORKFLOWS)}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template():
    if not PG_ADMIN_URL:
        if IN_CI:
            pytest.fail("CI=true but SETUPFLOW_TEST_POSTGRES_URL is not set: run the tests through scripts/test")
        pytest.skip("no PostgreSQL server (set SETUPFLOW_TEST_POSTGRES_URL or use scripts/test)")
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"setupflow_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_postgres(template: str) -> tuple[str, callable]:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"setupflow_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request, tmp_path) -> TestDatabase:
    """A fresh database at the current schema, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "setupflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = TestDatabase(f"sqlite:///{path}", "sqlite")
        yield database
        database.engine.dispose()
    else:
        url, drop = _fresh_postgres(request.getfixturevalue("pg_template"))
        database = TestDatabase(url, "postgres")
        yield database
        database.engine.dispose()
        drop()


@pytest.fixture
def sqlite_db(tmp_path, sqlite_template) -> TestDatabase:
    """A fresh SQLite database only, for tests whose subject is not the backend."""
    path = tmp_path / "setupflow.db"
    shutil.copy(sqlite_template, path)
    database = TestDatabase(f"sqlite:///{path}", "sqlite")
    yield database
    database.engine.dispose()


@pytest.fixture
def postgres_db(pg_template) -> TestDatabase:
    url, drop = _fresh_postgres(pg_template)
    database = TestDatabase(url, "postgres")
    yield database
    database.engine.dispose()
    drop()


@pytest.fixture
def session(db):
    with db.factory() as s:
        yield s


@pytest.fixture(scope="session")
def catalog():
    return load_catalog([WORKFLOWS, DEFINITIONS])


@pytest.fixture
def now():
    return datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def actor():
    from setupflow.sites.operations import Actor

    return Actor("Alex Martin (EP, fictional)", is_manager=False)


@pytest.fixture
def manager():
    from setupflow.sites.operations import Actor

    return Actor("Claude Bernard (Cress, fictional)", is_manager=True)


@pytest.fixture
def make_site(session, catalog, now, manager):
    """Factory: a committed site of a workflow, in its first stage by default."""
    from setupflow.sites import operations as ops

    def make(name="Atelier de test", workflow="cress-disp", start="2027-01-04", opening="2029-01-01", **kw):
        site = ops.create_site(session, catalog, name=name, workflow_id=workflow, start_on=start,
                               opening_on=opening, actor=manager, now=now, **kw)
        session.commit()
        return site

    return make


@pytest.fixture
def walk(session, manager, now):
    """Helper: do everything a stage's gate asks and advance, until ``stage`` is reached.
    Tasks met by evidence get their (fictional) work done through the real operations, and
    decisions that a piece of work settles are taken through that work (in a held meeting
    of the committee that takes them)."""
    from setupflow.demo_work import walk

    def walk_to(site, stage, values=None):
        values = {"structure_type": "EA", "sponsor": "Association fictive", "dui_signed": "2028-11-15",
                  # a site opens on its confirmed date, not before: walking to the end opens it today
                  "opening_confirmed": now.date().isoformat(), "cohort": "Promotion fictive", "flavour": "plain",
                  "go_date": "2028-11-15", **(values or {})}
        walk(session, site, stage, manager, now, values)
        session.commit()
        return site

    return walk_to


@pytest.fixture
def held(session, manager, now):
    """Helper: a held meeting of a site's committee (the technical one by default) just
    before ``now``, its members present: where a committee's decisions are taken."""
    from setupflow.demo_work import held_meeting

    def held_of(site, committee="technical", when=None):
        meeting = held_meeting(session, site, committee, manager, when or now)
        session.flush()
        return meeting

    return held_of


@pytest.fixture
def make_team(session, manager, now):
    """Factory: a site's team file with one fictional person per organisation category
    given, each on the committees given; returns {category: Person}."""
    from setupflow.team import operations as team

    def make(site, seats=None):
        seats = seats or {"ep": ("technical", "partnership"), "spip": ("technical",), "cress": ("technical",
                          "partnership"), "ddets": ("partnership",)}
        people = {}
        for i, (category, committees) in enumerate(seats.items()):
            org = team.organisation_for(session, site, category, manager, now)
            people[category] = team.add_person(session, site, name=f"Personne {category.upper()} Fictive",
                                               email=f"p{i}.{category}@example.org", organisation=org,
                                               actor=manager, now=now, committees=committees,
                                               start_on=site.start_on)
        session.commit()
        return people

    return make


@pytest.fixture
def meet(session, manager, now):
    """Helper: meet some tasks of a site's definition the way the method does: tick them,
    or, for a task met by evidence, do its (fictional) work through the real operations."""
    from setupflow.demo_work import produce
    from setupflow.sites import operations as ops

    def meet_tasks(site, *keys):
        workflow = ops.workflow_of(site)
        for key in keys:
            evidence = workflow.task(key)[1].evidence
            if evidence:
                produce(session, site, evidence, manager, now)
            else:
                ops.set_task(session, site, key, True, manager, now)
        session.flush()

    return meet_tasks


def pytest_sessionfinish(session):
    """Under pytest-xdist each worker counts its own cases: hand them to the controller."""
    from reliability import counters

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability_counters"] = dict(counters.TRIED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    from reliability import counters

    counters.TRIED.update(getattr(node, "workeroutput", {}).get("reliability_counters", {}))


def pytest_terminal_summary(terminalreporter):
    """Say how many cases the reliability suite tried (routes x roles, fuzzed inputs, fault points)."""
    from reliability import counters

    if counters.TRIED:
        terminalreporter.write_sep("-", "cases tried by the reliability suite")
        for line in counters.lines():
            terminalreporter.write_line(line)


def run_command(*args) -> tuple[int, str, str]:
    """``setupflow ARGS`` as a person types it (settings from the environment the test set):
    the exit code, what it printed and what it printed on stderr."""
    from click.testing import CliRunner

    from setupflow.cli import cli
    from setupflow.cli.common import run_cli

    with CliRunner().isolation() as (out, err, *_):
        code = run_cli(cli, [str(a) for a in args])
        return code, out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture
def demo_cli(request, tmp_path, monkeypatch):
    """``run_command`` against the demo data in a fresh SQLite database (files under tmp_path)."""
    database, _ = _demo_database("sqlite", request, tmp_path)
    for key, value in database.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path))
    yield run_command
    database.engine.dispose()


def demo_day():
    """The day the demo data is dated from (it is built relative to today, in Paris)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Paris")).date()


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory):
    """What ``setupflow demo`` writes, run once per worker, backend and day (the demo is
    dated from today) into a template that each test needing the demo copies: the demo
    takes seconds to build, a copy milliseconds. {(backend, day): SQLite path or
    PostgreSQL database name}."""
    built, drops = {}, []
    yield built, drops
    for drop in drops:
        drop()


def _demo_database(backend: str, request, tmp_path) -> tuple[TestDatabase, callable]:
    import gc
    import sqlite3

    built, drops = request.getfixturevalue("demo_templates")
    key = (backend, demo_day())
    if key not in built:
        folder = request.getfixturevalue("tmp_path_factory").mktemp("demo")
        if backend == "sqlite":
            fresh = folder / "built.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), fresh)
            template = TestDatabase(f"sqlite:///{fresh}", "sqlite")
        else:
            url, drop = _fresh_postgres(request.getfixturevalue("pg_template"))
            drops.append(drop)
            template = TestDatabase(url, "postgres")
        with pytest.MonkeyPatch.context() as env:
            for name, value in template.env().items():
                env.setenv(name, value)
            env.setenv("SETUPFLOW_DATA_DIR", str(folder))
            code, _, err = run_command("demo")
        assert code == 0, err
        template.engine.dispose()
        gc.collect()  # the command's own engine: its connections close with it
        if backend == "sqlite":  # a consistent copy whatever the write-ahead log still holds
            built[key] = folder / "demo.db"
            source, copy = sqlite3.connect(fresh), sqlite3.connect(built[key])
            source.backup(copy)
            source.close()
            copy.close()
        else:
            built[key] = make_url(template.url).database
            admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:  # a template is copied only with nobody connected to it
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": built[key]})
            admin.dispose()
    if backend == "sqlite":
        path = tmp_path / "setupflow.db"
        shutil.copy(built[key], path)
        return TestDatabase(f"sqlite:///{path}", "sqlite"), None
    url, drop = _fresh_postgres(built[key])
    return TestDatabase(url, "postgres"), drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo_db(request, tmp_path) -> TestDatabase:
    """A fresh database holding the demo data (as ``setupflow demo`` left it today), on each backend."""
    database, drop = _demo_database(request.param, request, tmp_path)
    yield database
    database.engine.dispose()
    if drop:
        drop()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests marked slow run first (otherwise in their usual order): the two workers take
    tests from each other's queues as they run out, so what decides when the run ends is
    the longest test still running when the queues are empty; with the slow ones (up to
    half a minute each) at the start, only short tests are left at the end."""
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def cheapest_password_hashing():
    """Passwords are hashed with argon2id at argon2-cffi's CHEAPEST parameters (its profile for
    tests) in the test process: the same algorithm and the same hash, verify and rehash code,
    but microseconds instead of 0.1-0.3 s and four threads per hash, which hundreds of test
    accounts and logins spent on a two-core machine. Only the cost parameters change (they
    travel inside each hash); the processes the tests start (``setupflow serve``, gunicorn,
    the worker) hash at the shipped parameters."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from setupflow.accounts import passwords

    shipped = passwords.use_hasher(PasswordHasher.from_parameters(CHEAPEST))
    yield
    passwords.use_hasher(shipped)
