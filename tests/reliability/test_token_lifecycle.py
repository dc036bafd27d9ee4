"""Tokens do not outlive their owner, on both databases: calendar feeds record who created
them and die when the account is disabled or erased or its person leaves the site's team;
only their creator or a manager revokes them; a password change voids every other reset
link and session; reset requests are throttled per address and per client; the outbox
never keeps a readable reset link (sealed by the installation's key, erased once sent)."""
from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from setupflow.accounts import operations as accounts
from setupflow.personal_data import erase
from setupflow.reminders.models import FeedToken, Reminder
from setupflow.team import operations as team
from setupflow.team.handover import person_leaves
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import Browser

from . import counters


@pytest.fixture
def web_db(db):
    return db


@pytest.fixture
def lead_with_feeds(app, site_in, logged_in, web_session, manager, now):
    """A lead in the site's team who created a site feed and their personal feed."""
    site = site_in()
    ep = team.organisation_for(web_session, site, "ep", manager, now)
    lead_person = team.add_person(web_session, site, name="Léa Fictive", email="lea@example.test", organisation=ep,
                                  actor=manager, now=now, committees=("technical",))
    successor = team.add_person(web_session, site, name="Paul Fictif", email="paul@example.test", organisation=ep,
                                actor=manager, now=now, committees=("technical",))
    web_session.commit()
    lead = logged_in("lea@example.test", "lead", sites=(site,))
    urls = []
    for data in ({"site": str(site.id)}, {}):
        page = lead.post("/notifications/feeds", data=data).get_data(as_text=True)
        urls.append(re.search(r'<code id="new-feed">[^<]*?(/feeds/[^<]+\.ics)</code>', page).group(1))
    anonymous = app.test_client()
    assert [anonymous.get(u).status_code for u in urls] == [200, 200]
    return site, lead, urls, anonymous, lead_person, successor


def _user(web_session, email):
    web_session.expire_all()
    return accounts.user_by_email(web_session, email)


def test_feeds_record_their_creator(lead_with_feeds, web_session):
    assert all(f.created_by_user_id == _user(web_session, "lea@example.test").id
               for f in web_session.scalars(select(FeedToken)))


def test_disabling_the_account_kills_its_feeds(lead_with_feeds, web_session, now):
    _site, _lead, urls, anonymous, *_ = lead_with_feeds
    assert accounts.disable_user(web_session, _user(web_session, "lea@example.test"), now) == 2
    web_session.commit()
    assert [anonymous.get(u).status_code for u in urls] == [404, 404]
    counters.add("tokens revoked per lifecycle event: account disabled", 2)


def test_erasing_the_persons_data_kills_their_feeds(lead_with_feeds, web_session, manager, now):
    _site, _lead, urls, anonymous, *_ = lead_with_feeds
    done = erase(web_session, "lea@example.test", manager, now)
    web_session.commit()
    assert done["feeds_revoked"] == 2
    assert [anonymous.get(u).status_code for u in urls] == [404, 404]
    counters.add("tokens revoked per lifecycle event: personal data erased", 2)


def test_leaving_the_sites_team_kills_the_site_feed_they_created(lead_with_feeds, web_session, manager, now):
    site, _lead, urls, anonymous, lea, paul = lead_with_feeds
    person_leaves(web_session, site, lea, paul, manager, now)
    web_session.commit()
    assert anonymous.get(urls[0]).status_code == 404
    counters.add("tokens revoked per lifecycle event: left the site's team", 1)


def test_a_read_only_partner_cannot_revoke_the_leads_feed_but_a_manager_can(lead_with_feeds, logged_in,
                                                                           web_session):
    site, _lead, urls, anonymous, *_ = lead_with_feeds
    feed_id = web_session.scalar(select(FeedToken.id).where(FeedToken.site_id == site.id))
    partner = logged_in("partner@example.test", "partner", sites=(site,))
    assert f"/notifications/feeds/{feed_id}/revoke" not in partner.get("/notifications").get_data(as_text=True)
    assert partner.post(f"/notifications/feeds/{feed_id}/revoke").status_code == 404
    assert anonymous.get(urls[0]).status_code == 200
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    assert cress.post(f"/notifications/feeds/{feed_id}/revoke").status_code == 200
    assert anonymous.get(urls[0]).status_code == 404
    counters.add("tokens revoked per lifecycle event: revoked by a manager (partner refused)", 1)


def _reset_paths(web_session, app):
    from setupflow.reminders.sweep import _with_link

    settings = app.config["SETUPFLOW_SETTINGS"]
    web_session.expire_all()
    rows = web_session.scalars(select(Reminder).where(Reminder.template == "password_reset").order_by(Reminder.id))
    return [_with_link(r.context, settings)["link"].split("5000", 1)[1] for r in rows]


def ticking(app, now):
    """A clock that moves one second per request (two e-mails are not queued at one instant)."""
    ticks = itertools.count()
    app.config["SETUPFLOW_NOW"] = lambda: now + timedelta(seconds=next(ticks))


def test_a_password_change_voids_every_other_reset_link_and_session(app, person, web_session, now):
    person("lea@example.test", "lead")
    other_session = Browser(app.test_client())
    assert other_session.login("lea@example.test").status_code == 302
    browser = Browser(app.test_client())
    ticking(app, now)
    for _ in range(2):
        browser.post("/password/forgot", data={"email": "lea@example.test"})
    first, second = _reset_paths(web_session, app)
    data = {"password": "un-nouveau-mot-de-passe", "password_again": "un-nouveau-mot-de-passe"}
    assert browser.post(second, data=data).status_code == 302
    assert browser.post(first, data={"password": "encore-un-autre-mot", "password_again": "encore-un-autre-mot"}
                        ).status_code == 404
    assert other_session.get("/portfolio").status_code == 302  # logged out
    assert browser.login("lea@example.test", "un-nouveau-mot-de-passe").status_code == 302
    counters.add("tokens revoked per lifecycle event: password changed (other reset links)", 1)


def test_reset_requests_are_throttled_per_address_and_per_client(app, person, web_session, now):
    person("lea@example.test", "lead")
    browser = Browser(app.test_client())
    ticking(app, now)
    answers = [browser.post("/password/forgot", data={"email": "lea@example.test"}).status_code for _ in range(6)]
    assert answers == [302] * 6  # the same answer: the limit says nothing about the account
    web_session.expire_all()
    assert web_session.scalar(select(func.count()).select_from(Reminder)) == accounts.RESETS_PER_ADDRESS
    others = [browser.post("/password/forgot", data={"email": f"x{i}@example.test"}).status_code
              for i in range(accounts.RESETS_PER_CLIENT)]
    assert others[: accounts.RESETS_PER_CLIENT - 6] == [302] * (accounts.RESETS_PER_CLIENT - 6)
    assert others[-1] == 429
    assert Browser(app.test_client()).post("/password/forgot", data={"email": "y@example.test"},
                                           environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302
    counters.add("reset requests throttled (address, client)", 2)


def test_the_outbox_never_holds_a_readable_reset_link(app, person, web_session, now):
    from setupflow.reminders.sweep import sweep
    from tests.reminders.mailtools import Collector, free_port
    from aiosmtpd.controller import Controller

    person("lea@example.test", "lead")
    Browser(app.test_client()).post("/password/forgot", data={"email": "lea@example.test"})
    [path] = _reset_paths(web_session, app)
    token = path.rsplit("/", 1)[1]
    row = web_session.scalar(select(Reminder))
    assert token not in json.dumps(row.context) and "path" not in row.context
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = app.config["SETUPFLOW_SETTINGS"]
        from dataclasses import replace

        result = sweep(app.extensions["setupflow_sessions"], replace(settings, smtp_host="127.0.0.1",
                                                                     smtp_port=controller.port), now)
    finally:
        controller.stop()
    assert result.sent == 1 and token in collector.messages[0].get_body(("plain",)).get_content()
    web_session.expire_all()
    row = web_session.scalar(select(Reminder))
    assert row.state == "sent" and "path_sealed" not in row.context and token not in json.dumps(row.context)
    counters.add("reset links erased from the outbox once sent", 1)


def test_the_retention_run_erases_reset_and_invitation_links_once_expired(app, person, web_session, now):
    from setupflow.accounts import invitations
    from setupflow.accounts.models import PasswordResetToken
    from setupflow.data_register import LIFETIMES
    from setupflow.retention import erase_expired_links

    assert "2 hours" in LIFETIMES["password_reset_tokens"] and accounts.RESET_VALIDITY == timedelta(hours=2)
    assert "5 days" in LIFETIMES["reminders"] and invitations.VALIDITY == timedelta(days=5)
    lea = person("lea@example.test", "lead")
    paul = person("paul@example.test", "lead")
    ticking(app, now)
    browser = Browser(app.test_client())
    for email in ("lea@example.test", "paul@example.test"):
        browser.post("/password/forgot", data={"email": email})
    never_used, used = _reset_paths(web_session, app)
    password = {"password": "un-nouveau-mot-de-passe", "password_again": "un-nouveau-mot-de-passe"}
    assert browser.post(used, data=password).status_code == 302  # Paul's token is spent, Léa's waits
    invitations.send_invitation(web_session, paul, path="/welcome/secret-link", site_name="Atelier fictif",
                                inviter="Camille", now=now)
    web_session.commit()

    def tokens():
        web_session.expire_all()
        return web_session.scalar(select(func.count()).select_from(PasswordResetToken))

    def links():
        web_session.expire_all()
        return sorted((r.template, sorted(k for k in r.context if "path" in k))
                      for r in web_session.scalars(select(Reminder)))

    assert tokens() == 2
    assert erase_expired_links(web_session, now + timedelta(hours=1)) == 0  # nothing expired yet
    web_session.commit()
    assert tokens() == 2
    assert links() == [("account_invitation", ["path"]), ("password_reset", ["path_sealed"]),
                       ("password_reset", ["path_sealed"])]
    # two hours later both reset links are over: the token rows (Léa's never used) and the sealed links go
    assert erase_expired_links(web_session, now + timedelta(hours=2, minutes=1)) == 4
    web_session.commit()
    assert tokens() == 0
    assert links() == [("account_invitation", ["path"]), ("password_reset", []), ("password_reset", [])]
    assert browser.post(never_used, data=password).status_code == 404
    # the invitation's link stays its five days, then goes; running again changes nothing
    assert erase_expired_links(web_session, now + timedelta(days=5) - timedelta(minutes=1)) == 0
    assert erase_expired_links(web_session, now + timedelta(days=5, minutes=1)) == 1
    web_session.commit()
    assert links() == [("account_invitation", []), ("password_reset", []), ("password_reset", [])]
    assert erase_expired_links(web_session, now + timedelta(days=6)) == 0
    web_session.expire_all()
    assert web_session.get(type(lea), lea.id).is_active  # the accounts stay
    counters.add("tokens revoked per lifecycle event: expired reset and invitation links erased", 4)
