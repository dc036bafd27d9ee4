"""A call that drew no suitable sponsor (the guide: the call is rewritten and published
again): it is closed as unsuccessful with its reason, a new call is drafted and published for
the same site, and the old one stays in the record. The site's call is then the new one
everywhere: its pages, the command line, its deadline and the proofs of its tasks. Engine
mechanics and the call's page, on the call of tests/definitions/work.yaml; the command line
on the demo (the shipped method's data) is marked ``method``."""
import html
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from web_fixtures import *

from setupflow.calls import applications as apps
from setupflow.calls import operations as calls
from setupflow.calls.models import Call
from setupflow.calls.queries import calls_of
from setupflow.errors import NotFound
from setupflow.sites import operations as ops
from setupflow.sites.gates import current_values
from setupflow.sites.models import HistoryEntry
from tests.refused import refused

REASON = "Aucune candidature ne répond aux critères du comité (fictif)"
VALUES = {"form": "small"}


def written(session, site, actor, now, call=None):
    call = call or calls.create_call(session, site, "appeal", actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Nous cherchons une structure porteuse.")
    return call


def publish(session, site, call, actor, now, days=75):
    calls.publish_call(session, site, call, published_on=now.date(), closes_on=now.date() + timedelta(days=days),
                       actor=actor, now=now)


def gate(session, site):
    return {c.key: c.met for c in ops.gate_of(session, site).conditions}


def test_a_call_that_drew_no_suitable_sponsor_is_closed_as_unsuccessful_and_a_new_call_is_published_the_old_one_stays(
        session, make_site, walk, actor, now):
    site = walk(make_site(workflow="work"), "seek", VALUES)
    first = written(session, site, actor, now)
    publish(session, site, first, actor, now)
    apps.add_application(session, site, first, organisation="Structure peu adaptée (fictive)",
                         legal_status="association", activity="Couture", actor=actor, now=now)
    workflow = ops.workflow_of(site)
    published_task = next(k for k in workflow.stage("seek").gate.tasks if workflow.task(k)[1].evidence == "call_published")
    assert gate(session, site)[published_task]

    # while it runs, it cannot be declared unsuccessful, nor can a second call be drafted
    with refused("call.wrong_status", field="call", call=first.id):
        calls.close_unsuccessful(session, site, first, REASON, actor=actor, now=now)
    with refused("call.exists", field="call"):
        calls.create_call(session, site, "appeal", actor=actor, now=now)

    later = now + timedelta(days=80)  # closed, and the committee selected no one
    with refused("required", field="reason"):
        calls.close_unsuccessful(session, site, first, " ", actor=actor, now=later)
    calls.close_unsuccessful(session, site, first, REASON, actor=actor, now=later)
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.site_id == site.id,
                                                       HistoryEntry.action == "call_unsuccessful")).one()
    assert (entry.reason, entry.detail["call_id"]) == (REASON, first.id)
    assert (first.status, first.unsuccessful_reason) == ("unsuccessful", REASON)
    # no current call: its proofs no longer hold, and the old one takes no more work
    with refused("call.none_drafted", field="call", error=NotFound):
        calls.get_call(session, site, "appeal")
    assert not gate(session, site)[published_task]
    with refused("call.wrong_status", field="call", call=first.id):
        calls.edit_call(session, site, first, actor=actor, now=later, body="Réécrit")
    with refused("call.wrong_status", field="call", call=first.id):
        apps.select_applications(session, site, first, [first.applications[0].id], actor=actor, now=later)

    second = written(session, site, actor, later)
    created = session.scalars(select(HistoryEntry).where(HistoryEntry.action == "call_created")
                              .order_by(HistoryEntry.id.desc())).first()
    assert created.detail["after_unsuccessful"] == first.id
    publish(session, site, second, actor, later, days=60)

    assert calls.get_call(session, site, "appeal").id == second.id
    assert [c.id for c in calls_of(session, site)] == [first.id, second.id]  # the old one is in the record
    assert session.get(Call, first.id).applications[0].organisation == "Structure peu adaptée (fictive)"
    assert gate(session, site)[published_task]
    # the answers deadline follows the new call's closing date, not the old one's
    assert current_values(session, [site.id])[site.id]["call:appeal"] == (later.date() + timedelta(days=60)).isoformat()


def test_a_selected_call_is_not_closed_as_unsuccessful(session, make_site, walk, held, actor, now):
    site = walk(make_site(workflow="work"), "seek", VALUES)
    call = written(session, site, actor, now)
    publish(session, site, call, actor, now)
    chosen = apps.add_application(session, site, call, organisation="Coop Demain (fictive)", legal_status="SCIC",
                                  activity="Menuiserie", actor=actor, now=now)
    later = now + timedelta(days=80)
    apps.select_applications(session, site, call, [chosen.id], actor=actor, now=later, meeting=held(site, "board", when=later))
    assert call.status == "selected"
    with refused("call.wrong_status", field="call", call=call.id):
        calls.close_unsuccessful(session, site, call, REASON, actor=actor, now=later)


@pytest.fixture
def run(demo_cli):
    return demo_cli


@pytest.mark.method
def test_the_command_line_closes_an_unsuccessful_call_and_drafts_the_next_one(run, tmp_path):
    _, out, _ = run("site", "list", "--json")
    site = str(next(s["id"] for s in json.loads(out) if s["stage"] == "call"))
    assert run("calls", "create", site)[0] == 0
    body = tmp_path / "body.txt"
    body.write_text("Nous cherchons une structure porteuse.", encoding="utf-8")
    assert run("calls", "edit", site, "--body-file", str(body), "--needs", "Formation")[0] == 0
    today = datetime.now(UTC).date()
    code, _, err = run("calls", "publish", site, "--on", (today - timedelta(days=90)).isoformat(), "--closes",
                       (today - timedelta(days=2)).isoformat())
    assert code == 0, err
    code, _, err = run("calls", "unsuccessful", site, "--reason", "")
    assert code == 2 and "reason" in err
    code, out, err = run("calls", "unsuccessful", site, "--reason", REASON)
    assert code == 0 and "closed as unsuccessful" in out, err
    code, _, err = run("calls", "show", site)
    assert code != 0 and "has no call" in err
    assert run("calls", "create", site)[0] == 0
    code, out, _ = run("calls", "list", site, "--json")
    assert [c["state"] for c in json.loads(out)] == ["unsuccessful", "draft"]
    assert json.loads(out)[0]["unsuccessful_reason"] == REASON
    code, out, _ = run("calls", "show", site, "--json")
    assert json.loads(out)["status"] == "draft"


@pytest.fixture
def app(app_with_test_definitions):
    return app_with_test_definitions


def test_the_call_page_closes_an_unsuccessful_call_and_offers_to_draft_the_next(web_session, catalog, manager, now,
                                                                               logged_in, web_walk):
    site = ops.create_site(web_session, catalog, name="Atelier Bretagne", workflow_id="work", start_on="2027-01-04",
                           opening_on="2029-01-01", actor=manager, now=now, region="Bretagne", disp="DISP Rennes")
    web_session.commit()
    web_walk(site, "seek", VALUES)
    client = logged_in("lead@example.test", "lead", sites=(site,))
    assert client.post(f"/sites/{site.id}/calls", data={"call": "appeal"}).status_code == 303
    call = web_session.scalar(select(Call).where(Call.site_id == site.id))
    client.post(f"/sites/{site.id}/calls/{call.id}/text", data={"version": call.version_id, "title": call.title,
                                                               "needs": "Besoins", "body": "Texte"})
    client.post(f"/sites/{site.id}/calls/{call.id}/publish", data={"published_on": "2026-10-01",
                                                                  "closes_on": "2026-12-01"})
    page = html.unescape(client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True))
    assert "Clore sans suite" in page
    refused_page = client.post(f"/sites/{site.id}/calls/{call.id}/unsuccessful", data={"reason": ""})
    assert refused_page.status_code == 400
    assert "Cette information est obligatoire." in html.unescape(refused_page.get_data(as_text=True))
    assert client.post(f"/sites/{site.id}/calls/{call.id}/unsuccessful",
                       data={"reason": REASON}).status_code == 303
    page = html.unescape(client.get(f"/sites/{site.id}/calls/{call.id}").get_data(as_text=True))
    assert "Clos sans suite le" in page and REASON in page and "Rédiger un nouvel appel" in page
    assert "Prolonger l'appel" not in page
    again = client.post(f"/sites/{site.id}/calls/{call.id}/unsuccessful", data={"reason": REASON})
    assert again.status_code == 400
    assert f"L'appel {call.id} est clos sans suite\u00a0: impossible de le clore sans suite." in \
        html.unescape(again.get_data(as_text=True))
    assert client.post(f"/sites/{site.id}/calls", data={"call": "appeal"}).status_code == 303
    web_session.expire_all()
    rows = web_session.scalars(select(Call).where(Call.site_id == site.id).order_by(Call.id)).all()
    assert [c.status for c in rows] == ["unsuccessful", "draft"]
    listing = html.unescape(client.get(f"/sites/{site.id}/calls").get_data(as_text=True))
    assert "clos sans suite" in listing
