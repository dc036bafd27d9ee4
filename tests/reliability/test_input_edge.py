"""The input edge, from every entry point and on both databases.

Identity: an address is matched exactly (NFKC, case-folded), never as a LIKE pattern, and a
look-alike (full-width letters, a zero-width character) cannot become a second account or a
second team entry beside an existing one. On main, a lead account '%@%.%' got the meetings of
every site in its calendar feed, 'jean_dupont@example.org' got those of
'jean.dupont@example.org', and look-alikes created second accounts.

Bad dates and numbers: 9999-12-31, 0001-01-01, NaN, '١٢٣', '1_000' are refused with a
message naming the field, by the web (400), the CLI (exit 2, one line) and import. On main
the web accepted the meeting on 9999-12-31 and answered 500 for 0001-01-01 and NaN.

Control characters: a NUL in any form field, logged in or not, answers 400 on PostgreSQL
too (on main: 500 from the database)."""
from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from setupflow.accounts import operations as accounts
from setupflow.accounts.models import User
from setupflow.cli import cli
from setupflow.cli.common import run_cli
from setupflow.committees import operations as meetings
from setupflow.errors import InputError, NotFound
from setupflow.reminders.feeds import create_feed, open_feed, token_hash, write_feed
from setupflow.reminders.models import FeedToken
from setupflow.sites.models import Site
from setupflow.team import operations as team
from setupflow.team.models import Person
from setupflow.transfer.archive import canonical, export_site, import_site
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD

from . import counters


@pytest.fixture
def web_db(db):
    """Every web test of this module runs on SQLite and on PostgreSQL."""
    return db


def _site_with_member(session, make_site, manager, now, name, email, meeting_at):
    site = make_site(name=name)
    org = team.organisation_for(session, site, "spip", manager, now)
    team.add_person(session, site, name=f"Personne {name}", email=email, organisation=org, actor=manager, now=now,
                    committees=("technical",), start_on=site.start_on)
    meeting = meetings.schedule(session, site, "technical", meeting_at, manager, now)
    session.commit()
    return site, meeting


def _feed_uids(session, token, now) -> set[str]:
    text = write_feed(session, open_feed(session, token, now), now).decode()
    return {line.split(":", 1)[1] for line in text.split("\r\n") if line.startswith("UID:") and "@" in line}


# -- identity ------------------------------------------------------------------------------

def test_a_personal_feed_holds_only_the_meetings_of_that_exact_address(db, session, make_site, manager, now):
    _, theirs = _site_with_member(session, make_site, manager, now, "Atelier A", "jean.dupont@example.org",
                                  "2027-03-10T14:00")
    _, mine = _site_with_member(session, make_site, manager, now, "Atelier B", "jean_dupont@example.org",
                                "2027-03-17T14:00")
    token = create_feed(session, now, email="jean_dupont@example.org")
    session.commit()
    uids = _feed_uids(session, token, now)
    assert mine.uid in uids and theirs.uid not in uids
    # the same address typed otherwise (case, full-width letters) is the same person
    other = create_feed(session, now, email="JEAN_DUPONT@ｅｘａｍｐｌｅ.org")
    assert _feed_uids(session, other, now) == uids
    counters.add(f"identifiers checked for exact matching ({db.backend})", 2)


def test_a_wildcard_address_matches_nobody_in_feeds(db, session, make_site, manager, now):
    _site_with_member(session, make_site, manager, now, "Atelier A", "jean.dupont@example.org", "2027-03-10T14:00")
    with pytest.raises(NotFound):
        create_feed(session, now, email="%@%.%")
    # a feed row an older release created for '%@%.%' holds no meeting of anyone
    session.add(FeedToken(token_hash=token_hash("wildcard-token"), email="%@%.%", created_dt=now))
    session.commit()
    assert _feed_uids(session, "wildcard-token", now) == set()
    assert open_feed(session, "wildcard-token", now).sites == []
    counters.add(f"identifiers checked for exact matching ({db.backend})", 2)


LOOK_ALIKES = ["ｊｅａｎ.dupont@example.org", "Jean.Dupont@Example.org", "jean.dupont\u200b@example.org",
               "jean.dupont@example.org\u200d", "\u2060jean.dupont@example.org"]


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_address_cannot_create_a_second_account(db, session, now, look_alike):
    accounts.create_user(session, email="jean.dupont@example.org", role="lead", password=PASSWORD, now=now)
    with pytest.raises(InputError) as refused:
        accounts.create_user(session, email=look_alike, role="lead", password=PASSWORD, now=now)
    assert (refused.value.code, refused.value.field) in {("account.exists", "email"), ("email.invalid", "email")}
    assert session.scalar(select(func.count()).select_from(User)) == 1
    assert accounts.user_by_email(session, "ＪＥＡＮ.DUPONT@example.org").email == "jean.dupont@example.org"
    counters.add(f"identifiers checked for exact matching ({db.backend})")


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_address_cannot_enter_a_team_file_twice(db, session, make_site, manager, now, look_alike):
    site, _ = _site_with_member(session, make_site, manager, now, "Atelier A", "jean.dupont@example.org",
                                "2027-03-10T14:00")
    org = team.organisation_for(session, site, "ep", manager, now)
    with pytest.raises(InputError, match="email"):
        team.add_person(session, site, name="Autre", email=look_alike, organisation=org, actor=manager, now=now)
    counters.add(f"identifiers checked for exact matching ({db.backend})")


def test_the_web_refuses_wildcard_and_look_alike_lead_accounts(db, site_in, logged_in, web_session):
    site = site_in()
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    assert cress.post(f"/sites/{site.id}/lead", data={"email": "jean.dupont@example.org", "name": "Jean"}
                      ).status_code == 200
    for email in ("%@%.%", "ｊｅａｎ.dupont@example.org", "jean.dupont\u200b@example.org"):
        response = cress.post(f"/sites/{site.id}/lead", data={"email": email, "name": "Autre"})
        assert response.status_code == 400, email
    web_session.expire_all()
    assert web_session.scalar(select(func.count()).select_from(User).where(User.role == "lead")) == 1
    counters.add(f"identifiers checked for exact matching ({db.backend})", 3)


@pytest.fixture
def run(db, tmp_path, monkeypatch):
    return _command_on(db, tmp_path, monkeypatch)


@pytest.fixture
def demo_run(demo_db, tmp_path, monkeypatch):
    """``run`` on a fresh copy of the demo data."""
    return _command_on(demo_db, tmp_path, monkeypatch)


def _command_on(database, tmp_path, monkeypatch):
    for key, value in database.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path))

    def invoke(*args, stdin=None):
        runner = CliRunner()
        with runner.isolation(input=stdin) as (out, err, *_):
            code = run_cli(cli, [str(a) for a in args])
            return code, out.getvalue().decode(), err.getvalue().decode()

    return invoke


def test_the_cli_refuses_a_look_alike_account_in_one_line(db, run, session, now):
    assert run("user", "add", "jean.dupont@example.org", "--role", "admin", "--password-stdin",
               stdin=PASSWORD + "\n")[0] == 0
    for email in ("ｊｅａｎ.dupont@example.org", "jean.dupont\u200b@example.org", "%@%.%"):
        code, _, err = run("user", "add", email, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        assert code == 2 and err.startswith("error: email:") and err.count("\n") == 1, err
    assert session.scalar(select(func.count()).select_from(User)) == 1
    counters.add(f"identifiers checked for exact matching ({db.backend})", 3)


def _export_with(session, site_id, tmp_path, change) -> bytes:
    document = json.loads(export_site(session, site_id, tmp_path))
    change(document["payload"]["tables"])
    document["sha256"] = hashlib.sha256(canonical(document["payload"])).hexdigest()
    return json.dumps(document).encode()


def test_import_refuses_look_alike_addresses_and_bad_dates(db, session, make_site, manager, now, tmp_path):
    site = make_site()
    org = team.organisation_for(session, site, "spip", manager, now)
    team.add_person(session, site, name="Personne", email="jean.dupont@example.org", organisation=org,
                    actor=manager, now=now)
    session.commit()
    sites_before = session.scalar(select(func.count()).select_from(Site))
    cases = {
        "people": lambda t: t["people"][0].update(email="jean.dupont\u200b@example.org"),
        "people ": lambda t: t["people"][0].update(name="Personne\x0b"),
        "sites": lambda t: t["sites"][0].update(target_opening_on="9999-12-31"),
        "sites ": lambda t: t["sites"][0].update(start_on="0001-01-01"),
    }
    for table, change in cases.items():
        data = _export_with(session, site.id, tmp_path, change)
        with pytest.raises(InputError) as refused:
            import_site(session, data, tmp_path / "target")
        session.rollback()
        assert refused.value.field.startswith(table.strip()), refused.value
        counters.add(f"bad dates/numbers refused (import, {db.backend})")
    assert session.scalar(select(func.count()).select_from(Site)) == sites_before


# -- bad dates and numbers, per entry point ------------------------------------------------

BAD_DAYS = ["9999-12-31", "0001-01-01", "2027-02-30", "٢٠٢٧-٠١-١٢", "+2027-01-12"]
BAD_AMOUNTS = ["NaN", "Infinity", "-inf", "١٢٣", "1_000", "1e6", "１２３"]


def test_the_web_refuses_bad_dates_and_amounts_with_400_naming_the_field(db, site_in, logged_in, web_session):
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    for bad in BAD_DAYS:
        response = cress.post("/sites/new", data={"name": "Atelier neuf", "workflow": "cress-disp", "start": bad,
                                                  "opening": "2029-03-01", "region": "Bretagne"})
        assert response.status_code == 400, bad
    site = site_in()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    for bad in BAD_AMOUNTS:
        response = lead.post(f"/sites/{site.id}/budget/lines", data={
            "kind": "expense", "category": "staff", "label": "Encadrant", "status": "planned", "planned": bad})
        assert response.status_code == 400, bad
    for bad in ("9999-12-31T23:59", "0001-01-01T10:00"):
        day, hour = bad.split("T")
        response = lead.post(f"/sites/{site.id}/meetings", data={"committee": "technical", "day": day,
                                                                 "time": hour})
        assert response.status_code == 400 and "date.out_of_range" not in response.get_data(as_text=True)
    web_session.expire_all()
    assert web_session.scalar(select(func.count()).select_from(Site)) == 1
    from setupflow.committees.models import Meeting
    assert web_session.scalar(select(func.count()).select_from(Meeting)) == 0
    counters.add(f"bad dates/numbers refused (web, {db.backend})", len(BAD_DAYS) + len(BAD_AMOUNTS) + 2)


def test_the_cli_refuses_bad_dates_and_amounts_in_one_line_with_exit_2(demo_db, demo_run):
    run = demo_run
    tried = 0
    for bad in BAD_DAYS:
        code, _, err = run("site", "create", "--name", "Atelier", "--workflow", "cress-disp", "--start", bad,
                           "--opening", "2029-01-01")
        assert code == 2 and err.startswith("error: --start:") and err.count("\n") == 1, err
        tried += 1
    _, out, _ = run("site", "list", "--json")
    site = str(json.loads(out)[0]["id"])
    for bad in BAD_AMOUNTS:
        code, _, err = run("budget", "add", site, "--kind", "expense", "--category", "staff", "--label", "X",
                           "--planned", bad)
        assert code == 2 and err.startswith("error: --planned:") and err.count("\n") == 1, err
        tried += 1
    for bad in ("9999-12-31T23:59", "0001-01-01T10:00"):
        code, _, err = run("meetings", "schedule", site, "--committee", "technical", "--at", bad)
        assert code == 2 and err.count("\n") == 1, err
        tried += 1
    code, _, err = run("site", "create", "--name", "Atelier\x0b", "--workflow", "cress-disp",
                       "--start", "2027-01-04", "--opening", "2029-01-01")
    assert code == 2 and "U+000B" in err and err.count("\n") == 1
    counters.add(f"bad dates/numbers refused (CLI, {demo_db.backend})", tried)


def test_an_unexpected_failure_prints_one_line_and_logs_the_details(tmp_path, monkeypatch):
    not_a_database = tmp_path / "setupflow.db"
    not_a_database.write_bytes(b"this is not a database file" * 100)
    monkeypatch.setenv("SETUPFLOW_DATABASE_URL", f"sqlite:///{not_a_database}")
    monkeypatch.setenv("SETUPFLOW_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    with runner.isolation() as (out, err, *_):
        code = run_cli(cli, ["site", "list"])
        message = err.getvalue().decode()
    assert code == 1 and message.count("\n") == 1 and "Traceback" not in message
    log = tmp_path / "data" / "logs" / "cli.log"
    assert str(log) in message and "Traceback" in log.read_text()


# -- control characters at the web edge ----------------------------------------------------

@pytest.mark.parametrize("url, field", [("/login", "email"), ("/login", "password"),
                                        ("/password/forgot", "email")])
def test_a_nul_in_an_unauthenticated_form_answers_400(db, browser, url, field):
    from web_fixtures import csrf_token

    data = {"email": "someone@example.org", "password": "x", "csrf_token": csrf_token(browser.client, url)}
    data[field] = f"a\x00b{data[field]}"
    response = browser.client.post(url, data=data)
    assert response.status_code == 400 and field in response.get_data(as_text=True)
    counters.add(f"control characters refused at the web edge ({db.backend})")


def test_control_characters_in_any_form_field_answer_400_and_save_nothing(db, site_in, logged_in, web_session):
    site = site_in()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    for char in ("\x00", "\x0b", "\x01", "\x1b"):
        response = lead.post(f"/sites/{site.id}/decisions", data={"text": f"Décision{char}"})
        assert response.status_code == 400
        response = lead.post(f"/sites/{site.id}/decisions?x=1{char}", data={"text": "Décision"})
        assert response.status_code == 400
    web_session.expire_all()
    from setupflow.sites.models import Decision
    assert web_session.scalar(select(func.count()).select_from(Decision)) == 0
    counters.add(f"control characters refused at the web edge ({db.backend})", 8)


def test_an_uploaded_file_name_with_a_nul_or_a_bidi_override_answers_400(db, site_in, logged_in):
    import io

    site = site_in()
    lead = logged_in("lead@example.test", "lead", sites=(site,))
    for name in ("evil\x00.pdf", "facture\u202efdp.exe"):
        response = lead.post(f"/sites/{site.id}/calls/1/applications/1/files",
                             data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), name)},
                             content_type="multipart/form-data")
        assert response.status_code == 400, name
    counters.add(f"control characters refused at the web edge ({db.backend})", 2)
