"""A realistic national dataset, built fast with bulk Core inserts and cached by scale.

Default scale: 2,000 sites across the regions, each with about three years of committee
meetings (~50: 100,000 in all), their roles, invitees, agendas, minutes and action items,
a team file, decisions, a history consistent with the stage reached, and ~500 outbox rows
(1,000,000 in all, in every state, most of them sent). Nothing is due at ``NOW``: the
sweep benchmark makes its own due rows. The ORM path (one operation per row) would take
hours at this scale; the builder writes rows with ``executemany`` in chunks instead, with
the same values the operations would write. Evidence of stage work (diagnostic, calls,
support, budget) is not generated: pages only count it, so its absence does not change
the statement counts measured here.

An SQLite dataset is cached in ``benchmarks/results/cache/`` keyed by scale, BUILDER_VERSION
and the digest of the method it was built with (its sites are on that definition: a page's
statements depend on the definition, so a dataset of an older one would compare a new site
with old ones), upgraded to the schema head in place, and copied for each run (the
benchmarks write to their copy).
"""
from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from setupflow import migrate
from setupflow.accounts.models import User, UserSite
from setupflow.committees.models import ActionItem, AgendaItem, Attendee, Meeting, MeetingRole, MinutesRevision
from setupflow.clock import DEFAULT_TIMEZONE
from setupflow.db import is_sqlite, make_engine, make_session_factory
from setupflow.reminders.models import Reminder
from setupflow.sites import operations as ops
from setupflow.sites.models import Decision, HistoryEntry, Site, SiteTask
from setupflow.team.models import Membership, Organisation, Person

#: bump when the rows built change, so cached files are rebuilt
BUILDER_VERSION = 4
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)
CACHE = Path(__file__).resolve().parent / "results" / "cache"
#: the address of the Cress coordinator who sits in every site's team (the calendar feed figure)
COORDINATOR = "coordination@cress.example.test"
CRESS_USER = "suivi.national@cress.example.test"
REGIONS = ("Bretagne", "Pays de la Loire", "Normandie", "Hauts-de-France", "Grand Est", "Occitanie",
           "Nouvelle-Aquitaine", "Auvergne-Rhône-Alpes", "Île-de-France", "Provence-Alpes-Côte d'Azur",
           "Bourgogne-Franche-Comté", "Centre-Val de Loire", "Corse")
#: the DISP (interregional directorate) of each region, as the prison administration divides them
REGION_DISP = {"Bretagne": "DISP Rennes", "Pays de la Loire": "DISP Rennes", "Normandie": "DISP Rennes",
               "Hauts-de-France": "DISP Lille", "Grand Est": "DISP Strasbourg", "Occitanie": "DISP Toulouse",
               "Nouvelle-Aquitaine": "DISP Bordeaux", "Auvergne-Rhône-Alpes": "DISP Lyon",
               "Île-de-France": "DISP Paris", "Provence-Alpes-Côte d'Azur": "DISP Marseille",
               "Bourgogne-Franche-Comté": "DISP Dijon", "Centre-Val de Loire": "DISP Dijon", "Corse": "DISP Marseille"}
DISPS = tuple(dict.fromkeys(REGION_DISP.values()))
#: the regions of the sites in turn: a quarter in Bretagne, where the method was written (so
#: that one region fills a page of 50 lines from 200 sites on: the region view then shows as
#: many lines at every size), the others evenly
REGION_TURNS = (REGIONS[0],) * 3 + REGIONS
ORGS = (("ep", "Centre pénitentiaire"), ("spip", "SPIP"), ("cress", "Cress"), ("ddets", "DDETS"),
        ("sponsor", "Association porteuse"), ("region", "Conseil régional"))
ROLES = ("agenda", "invitations", "facilitation", "logistics")
ACTOR = "Benchmark Fictif <bench@example.test>"
CHUNK = 20_000


@dataclass(frozen=True)
class Scale:
    sites: int
    meetings_per_site: int
    reminders_per_site: int
    people_per_site: int = 12

    @property
    def key(self) -> str:
        return f"s{self.sites}-m{self.meetings_per_site}-r{self.reminders_per_site}-p{self.people_per_site}"


DEFAULT = Scale(2000, 50, 500)
QUICK = Scale(100, 20, 100, 8)


def scale_for(sites: int | None, quick: bool) -> Scale:
    base = QUICK if quick else DEFAULT
    return base if sites is None else Scale(sites, base.meetings_per_site, base.reminders_per_site,
                                            base.people_per_site)


def prepare(url: str | None, scale: Scale, catalog, workdir: Path) -> tuple[str, float, bool]:
    """A database holding the dataset: (url, seconds spent, whether it came from the cache)."""
    t0 = time.perf_counter()
    if url is None or is_sqlite(url):
        target = Path(url.split("///", 1)[1]) if url else workdir / "bench.db"
        digest = catalog.get("cress-disp").digest[:8]
        cached = CACHE / f"dataset-{scale.key}-v{BUILDER_VERSION}-{digest}.db"
        hit = cached.exists()
        if hit:  # a later migration (an index...) is applied to the cached file once
            cached_engine = make_engine(f"sqlite:///{cached}")
            migrate.upgrade(cached_engine)
            with cached_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            cached_engine.dispose()
        if not hit:
            CACHE.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            _build_into(f"sqlite:///{partial}", scale, catalog)
            partial.rename(cached)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
        return f"sqlite:///{target}", time.perf_counter() - t0, hit
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Site))
    engine.dispose()
    if count == 0:
        _build_into(url, scale, catalog)
        return url, time.perf_counter() - t0, False
    return url, time.perf_counter() - t0, True


def _build_into(url: str, scale: Scale, catalog) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        loaded = catalog.get("cress-disp")
        snapshot_id = ops.snapshot_for(session, loaded, NOW).id
        session.commit()
    Builder(engine, scale, loaded.workflow, snapshot_id).run()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


class Builder:
    def __init__(self, engine: Engine, scale: Scale, workflow, snapshot_id: int):
        self.engine, self.scale, self.workflow, self.snapshot_id = engine, scale, workflow, snapshot_id
        self.rng = random.Random(20270104)
        self.rows: dict = {t: [] for t in (Site, Organisation, Person, Membership, SiteTask, Meeting, Decision,
                                           HistoryEntry, MeetingRole, Attendee, AgendaItem, MinutesRevision,
                                           ActionItem, Reminder, User, UserSite)}
        self.ids = {t: 0 for t in self.rows}
        self.reminder_keys = 0

    def next_id(self, table) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add(self, table, **row) -> int:
        row.setdefault("id", self.next_id(table))
        self.rows[table].append(row)
        return row["id"]

    def flush(self, conn, final: bool = False) -> None:
        if not final and all(len(rows) < CHUNK for rows in self.rows.values()):
            return
        for table, rows in self.rows.items():  # every table, parents first
            if rows:
                keys = set().union(*rows)
                for row in rows:
                    for key in keys:
                        row.setdefault(key, None)
                conn.execute(insert(table.__table__), rows)
                rows.clear()

    def run(self) -> None:
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # a throw-away file until it is complete: no journal, no fsync
                conn.exec_driver_sql("PRAGMA journal_mode=MEMORY")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.commit()
        with self.engine.begin() as conn:
            for i in range(self.scale.sites):
                self.site(i)
                self.flush(conn)
            self.users()
            self.flush(conn, final=True)
            if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
                for table, last in self.ids.items():
                    name = table.__tablename__
                    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {max(last, 1)})")

    # ---- one site -------------------------------------------------------------------
    def site(self, i: int) -> None:
        rng, wf = self.rng, self.workflow
        stages = wf.stages
        # about 5 % opened, the rest spread over the five stages
        index = len(stages) if i % 20 == 19 else i % len(stages)
        stage = wf.final.id if index == len(stages) else stages[index].id
        start = date(2024, 1, 8) + timedelta(days=rng.randrange(0, 700))
        entered = [start]
        for _ in range(index):
            entered.append(entered[-1] + timedelta(days=rng.randrange(90, 200)))
        created = _at(start)
        region = REGION_TURNS[i % len(REGION_TURNS)]
        site_id = self.add(Site, name=f"Atelier fictif {i + 1:04d}", snapshot_id=self.snapshot_id, stage=stage,
                           stage_entered_on=min(entered[-1], NOW.date()), start_on=start,
                           target_opening_on=start + timedelta(days=rng.randrange(600, 900)),
                           establishment=f"Établissement fictif {i + 1:04d}", region=region,
                           disp=REGION_DISP[region], department=f"{(i % 95) + 1:02d}", created_dt=created,
                           version_id=1 + index)
        self.history(site_id, created, "created", stages[0].id, workflow=wf.id, version=wf.version)
        # the gates passed: ticked tasks, recorded decisions, then the move
        values = {"structure_type": wf.decision("structure_type").choices[0].id, "sponsor": "Association fictive",
                  "dui_signed": "2026-10-15", "opening_confirmed": "2027-02-01", "call_publication": "2025-09-01"}
        for k in range(index):
            st = stages[k]
            when = _at(entered[k + 1]) - timedelta(days=3)
            for task in st.tasks:
                if task.evidence is None:
                    self.add(SiteTask, site_id=site_id, task_key=task.id, is_done=True, changed_dt=when,
                             changed_by=ACTOR)
                    self.history(site_id, when, "task", st.id, key=task.id, done=True, task_stage=st.id)
            for key in st.gate.decisions:
                decision_id = self.add(Decision, site_id=site_id, key=key, value=values[key],
                                       text=f"{key}: {values[key]}", decided_on=when.date(), recorded_by=ACTOR,
                                       recorded_dt=when)
                self.history(site_id, when, "decision", st.id, decision_id=decision_id, key=key, value=values[key])
            self.history(site_id, _at(entered[k + 1]), "advanced", st.id, source=st.id,
                         target=stages[k + 1].id if k + 1 < len(stages) else wf.final.id)
        if index < len(stages):  # some work done in the current stage
            st = stages[index]
            for task in st.tasks[:2]:
                if task.evidence is None:
                    self.add(SiteTask, site_id=site_id, task_key=task.id, is_done=True, changed_dt=NOW,
                             changed_by=ACTOR)
        people = self.team(i, site_id, created, start)
        self.meetings(site_id, start, people)
        self.reminders(site_id, people)

    def history(self, site_id, at, action, stage, reason=None, **detail) -> None:
        self.add(HistoryEntry, site_id=site_id, at_dt=at, actor=ACTOR, action=action, stage=stage, detail=detail,
                 reason=reason)

    def team(self, i, site_id, created, start) -> list[tuple[int, str, str]]:
        orgs = [self.add(Organisation, site_id=site_id, name=f"{name} fictif {i + 1}", category=cat,
                         created_dt=created) for cat, name in ORGS]
        people = []
        for p in range(self.scale.people_per_site):
            email = COORDINATOR if p == 0 else f"personne{p}.site{i + 1}@example.test"
            name = "Coordination Cress Fictive" if p == 0 else f"Personne {p} Fictive {i + 1}"
            org = orgs[2] if p == 0 else orgs[p % len(orgs)]
            person_id = self.add(Person, site_id=site_id, organisation_id=org, name=name, function="Chargé de mission",
                                 email=email, language="en" if p % 9 == 8 else "fr", created_dt=created,
                                 left_on=start + timedelta(days=300) if p == 7 else None)
            committees = ("technical", "partnership") if p < 4 else ("technical",) if p % 2 else ("partnership",)
            for c in committees:
                self.add(Membership, person_id=person_id, committee_id=c, start_on=start, end_on=None)
            people.append((person_id, email, name))
        self.history(site_id, created, "team_created", "plan", people=len(people))
        return people

    def meetings(self, site_id, start, people) -> None:
        rng = self.rng
        first = _at(start) + timedelta(days=14)
        # nothing is written in the future, nor in the last day before NOW: the worker's
        # look at changed meetings finds none, as in a quiet minute
        changed = NOW - timedelta(days=1)
        for m in range(self.scale.meetings_per_site):
            committee = "partnership" if m % 4 == 3 else "technical"
            starts = first + timedelta(days=22 * m, hours=rng.choice((0, 1, 5)))
            past = starts < NOW
            status = ("cancelled" if m % 17 == 16 else "minutes_approved" if m % 5 else "held") if past else \
                ("scheduled" if starts < NOW + timedelta(days=60) else "proposed")
            meeting_id = self.add(Meeting, site_id=site_id, committee_id=committee, status=status, starts_dt=starts,
                                  duration_minutes=120, timezone=DEFAULT_TIMEZONE, place="Salle de réunion de l'EP",
                                  video_url=None, is_working_meeting=False,
                                  uid=f"bench-{site_id}-{m}@setupflow", sequence=1 if status == "cancelled" else 0,
                                  created_dt=min(starts - timedelta(days=40), changed),
                                  updated_dt=min(starts - timedelta(days=30), changed),
                                  cancelled_reason="Indisponibilité de la salle" if status == "cancelled" else None)
            self.history(site_id, min(starts - timedelta(days=30), changed), "meeting_scheduled", "plan", meeting_id=meeting_id,
                         committee=committee)
            for r, role in enumerate(ROLES):
                self.add(MeetingRole, meeting_id=meeting_id, role=role, person_id=people[(m + r) % len(people)][0])
            for a in range(5):
                attendance = ("present" if a < 4 else "excused") if status in ("held", "minutes_approved") else None
                self.add(Attendee, meeting_id=meeting_id, person_id=people[(m + a) % len(people)][0],
                         attendance=attendance)
            for pos, title in enumerate(("Point d'avancement", "Calendrier", "Questions diverses")):
                self.add(AgendaItem, meeting_id=meeting_id, position=pos + 1, title=title, notes=None)
            if status in ("held", "minutes_approved"):
                held = starts + timedelta(days=2)
                self.add(MinutesRevision, meeting_id=meeting_id, version=1, saved_by=ACTOR, saved_dt=held,
                         body_md=MINUTES.format(n=m + 1))
                self.history(site_id, held, "minutes_saved", "plan", meeting_id=meeting_id, version=1)
                for k in range(2):
                    due = (starts + timedelta(days=21 + 7 * k)).date()
                    open_ = due >= NOW.date() - timedelta(days=40) and k == 1
                    self.add(ActionItem, site_id=site_id, meeting_id=meeting_id,
                             text=f"Relancer le partenaire {k + 1} sur le point {m + 1}",
                             owner_id=people[(m + k + 1) % len(people)][0], due_on=due,
                             status="open" if open_ else "done", created_dt=held,
                             closed_dt=None if open_ else _at(due))
                if committee == "partnership":
                    self.add(Decision, site_id=site_id, key=None, value=None,
                             text=f"Le comité valide le calendrier révisé ({m + 1}).", decided_on=starts.date(),
                             recorded_by=ACTOR, recorded_dt=held, meeting_id=meeting_id)

    def reminders(self, site_id, people) -> None:
        """Outbox rows: ~88 % sent, the rest withdrawn, dead, failed or pending later."""
        rng = self.rng
        for r in range(self.scale.reminders_per_site):
            person_id, email, name = people[r % len(people)]
            due = NOW - timedelta(days=rng.randrange(1, 1000), minutes=r)
            roll = r % 100
            state = ("sent" if roll < 88 else "withdrawn" if roll < 93 else "dead" if roll < 94
                     else "failed" if roll < 96 else "pending")
            if state == "pending":  # planned for a coming meeting
                due = NOW + timedelta(days=rng.randrange(1, 90), minutes=r)
            send_after = due if state != "failed" else NOW + timedelta(hours=rng.randrange(1, 12))
            expires = due + timedelta(days=2) if state != "failed" else send_after + timedelta(days=2)
            self.add(Reminder, rule=("invitation", "day_before", "agenda_due", "action_due_soon")[r % 4],
                     subject=f"meeting:{site_id}:{r}", due_dt=due, recipient=email, recipient_name=name,
                     language="fr", site_id=site_id, template="meeting_tomorrow",
                     context={"site": {"id": site_id, "name": f"Atelier {site_id}"}, "name": name,
                              "path": f"/sites/{site_id}"},
                     is_digest=False, state=state, send_after_dt=send_after,
                     expires_dt=expires, attempts=1 if state == "sent" else 8 if state == "dead" else
                     (2 if state == "failed" else 0),
                     message_id=f"<reminder.{site_id}.{r}@example.test>" if state in ("sent", "dead", "failed")
                     else None, last_error="refused by the SMTP server" if state in ("dead", "failed") else None,
                     created_dt=due - timedelta(days=30), updated_dt=due,
                     sent_dt=due if state == "sent" else None, version_id=1)

    def users(self) -> None:
        from argon2 import PasswordHasher

        from benchmarks.pages import PASSWORD

        digest = PasswordHasher().hash(PASSWORD)
        user_id = self.add(User, email=CRESS_USER, display_name="Suivi national fictif", password_hash=digest,
                           role="cress", region="Aucune", language="fr", is_active=True, session_version=1,
                           created_dt=NOW - timedelta(days=400))
        for site_id in range(1, self.scale.sites + 1):
            self.add(UserSite, user_id=user_id, site_id=site_id, assigned_dt=NOW - timedelta(days=400))


MINUTES = ("# Compte rendu de la réunion {n}\n\nPrésents : les membres du comité (fictifs).\n\n"
           "## Avancement\n\nLe comité fait le point sur les actions en cours et sur le calendrier. "
           "Les partenaires confirment leur participation aux prochaines étapes.\n\n"
           "## Décisions\n\n- Le calendrier est confirmé.\n- Les prochaines réunions sont maintenues.\n")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.utc)
