"""The call for expressions of interest (AMI), its applications and the committee's selection.
Engine mechanics, on the call of tests/definitions/work.yaml (criteria fit, weight 3, and
means, weight 1; the board selects one partner); the Act'ice call (marked ``method``) on the
shipped workflows/actice.yaml."""
import io
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from setupflow.calls import applications as apps
from setupflow.calls import operations as calls
from setupflow.calls.document import render_call_html
from setupflow.calls.files import attach_file, file_path
from setupflow.calls.queries import ranking
from setupflow.errors import GateNotMet, InputError
from setupflow.sites import operations as ops
from setupflow.sites.summary import describe

from tests.conftest import REPO
from tests.refused import refused


@pytest.fixture
def session(sqlite_db):
    with sqlite_db.factory() as s:
        yield s


VALUES = {"form": "small"}


@pytest.fixture
def drafted(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="work"), "seek", VALUES)
    call = calls.create_call(session, site, "appeal", actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Nous cherchons une structure.", capacity=10,
                    workshop_zone="Bâtiment B, 300 m²", surveillance_constraints="Un surveillant dédié")
    return site, call


def published(session, site, call, actor, now, days=75):
    day = now.date()
    return calls.publish_call(session, site, call, published_on=day, closes_on=day + timedelta(days=days),
                              actor=actor, now=now)


def test_the_call_takes_its_needs_from_the_diagnostic_conclusions(session, drafted, actor, now):
    site, call = drafted
    assert call.needs.startswith("Les personnes détenues sont jeunes")
    assert [c["id"] for c in call.criteria] == ["fit", "means"]
    assert call.distribution == ["Réseau de test"]
    calls.set_weight(session, site, call, "means", 0, actor=actor, now=now)
    assert [c["weight"] for c in call.criteria] == [3, 0]


def test_weights_typed_in_a_form_change_only_the_criteria_that_differ(session, drafted, actor, now):
    from setupflow.sites.models import HistoryEntry

    site, call = drafted
    calls.set_weights(session, site, call, {"fit": " 3 ", "means": "7"}, actor=actor, now=now)
    changed = session.scalars(select(HistoryEntry.detail).where(HistoryEntry.action == "call_weight")).all()
    assert [c["criterion"] for c in changed] == ["means"]
    with refused("call.weight_invalid", field="weight", criterion="fit", value="deux"):
        calls.set_weights(session, site, call, {"fit": "deux"}, actor=actor, now=now)


def test_publishing_records_the_publication_date_decision(session, drafted, actor, now):
    site, call = drafted
    assert published(session, site, call, actor, now) == []
    assert ops.current_decisions(session, site)["published_on"].value == now.date().isoformat()
    with refused("call.weights_fixed", field="weight"):
        calls.set_weight(session, site, call, "fit", 5, actor=actor, now=now)


def test_an_answer_window_shorter_than_the_definition_advises_gives_a_warning(session, drafted, actor, now):
    site, call = drafted
    [warning] = published(session, site, call, actor, now, days=20)
    assert (warning.code, warning.field, warning.params["days"], warning.params["advised"]) == \
        ("call.short_answer_window", "closes_on", 20, 30)


def test_a_call_without_text_cannot_be_published(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="work"), "seek", VALUES)
    call = calls.create_call(session, site, None, actor=actor, now=now)
    with refused("call.not_ready", field="call") as exc:
        published(session, site, call, actor, now)
    assert exc.value.params["missing"] == ["call.missing.body"]


def test_visits_and_bilateral_meetings_come_before_the_deadline(session, drafted, actor, now):
    site, call = drafted
    published(session, site, call, actor, now)
    assert not {t["key"]: t["done"] for t in describe(session, site, now.date())["tasks"]}["met_candidates"]
    calls.add_slot(session, site, call, kind="visit", starts_dt=now + timedelta(days=20), place="Zone d'atelier",
                   actor=actor, now=now)
    assert {t["key"]: t["done"] for t in describe(session, site, now.date())["tasks"]}["met_candidates"]
    with refused("call.slot_after_close", field="starts"):
        calls.add_slot(session, site, call, kind="bilateral", starts_dt=now + timedelta(days=90),
                       organisation="Association Trait d'Union", actor=actor, now=now)


def jury(session, site, actor, now, *names, committee="board"):
    """People of the team file who sit on the committee that selects, by name."""
    from setupflow.team import operations as team

    org = team.organisation_for(session, site, "cress", actor, now)
    return {name: team.add_person(session, site, name=name, email=f"{name.lower()}.{site.id}@example.org",
                                  organisation=org, actor=actor, now=now, committees=(committee,),
                                  start_on=site.start_on) for name in names}


def _applications(session, site, call, actor, now):
    a = apps.add_application(session, site, call, organisation="Atelier Fil Rouge", legal_status="association",
                             structure_type="small", activity="Couture", actor=actor, now=now)
    b = apps.add_application(session, site, call, organisation="Coop Demain", legal_status="SCIC",
                             structure_type="large", activity="Menuiserie", actor=actor, now=now)
    return a, b


def test_the_ranking_aggregates_every_members_weighted_scores(session, drafted, actor, now):
    site, call = drafted
    published(session, site, call, actor, now)
    a, b = _applications(session, site, call, actor, now)
    jury(session, site, actor, now, "membre-1", "membre-2", "membre-3")
    apps.score(session, site, call, a, member="membre-1", actor=actor, now=now, scores={"fit": 4, "means": 2})
    apps.score(session, site, call, a, member="membre-2", actor=actor, now=now, scores={"fit": 2, "means": 2})
    apps.score(session, site, call, b, member="membre-1", actor=actor, now=now, scores={"fit": 5, "means": 3})
    rows = ranking(call)
    # b: (3*5 + 1*3) / 4 = 4.50; a: the mean of (3*4 + 1*2) / 4 = 3.50 and (3*2 + 1*2) / 4 = 2.00
    assert [(r["organisation"], r["score"], r["rank"]) for r in rows] == [("Coop Demain", "4.50", 1),
                                                                          ("Atelier Fil Rouge", "2.75", 2)]
    with refused("application.after_close", field="received_on"):
        apps.add_application(session, site, call, organisation="En retard", legal_status="association",
                             activity="x", received_on=now.date() + timedelta(days=90), actor=actor, now=now)
    with refused("score.out_of_range", field="score", criterion="fit", value=6, high=5):
        apps.score(session, site, call, a, member="membre-3", scores={"fit": 6}, actor=actor, now=now)


def test_a_site_cannot_leave_the_call_s_stage_before_the_committee_selects_a_partner(session, drafted, held, actor,
                                                                                      now):
    site, call = drafted
    published(session, site, call, actor, now)
    a, b = _applications(session, site, call, actor, now)
    with pytest.raises(GateNotMet) as exc:
        ops.advance(session, site, actor, now)
    assert [c.key for c in exc.value.conditions] == ["partner"]
    with refused("call.wrong_status", field="call", call=call.id):
        apps.select_applications(session, site, call, [b.id], actor=actor, now=now)
    later = now + timedelta(days=80)
    meeting = held(site, "board", when=later)
    with refused("selection.too_many", field="applications", limit=1):
        apps.select_applications(session, site, call, [a.id, b.id], actor=actor, now=later, meeting=meeting)
    apps.select_applications(session, site, call, [b.id], actor=actor, now=later, meeting=meeting)
    assert ops.current_decisions(session, site)["partner"].value == "Coop Demain"
    assert ops.advance(session, site, actor, later) == "prepare"


def test_the_partner_decision_can_only_come_from_a_selection_made_in_a_held_committee_meeting(session, drafted, held,
                                                                                              actor, now):
    from setupflow.committees.operations import schedule

    site, call = drafted
    published(session, site, call, actor, now)
    a, _ = _applications(session, site, call, actor, now)
    later = now + timedelta(days=80)
    with pytest.raises(InputError) as exc:
        apps.select_applications(session, site, call, [a.id], actor=actor, now=later)
    assert (exc.value.code, exc.value.field) == ("decision.needs_meeting", "meeting")
    council = held(site, "council", when=later)
    with pytest.raises(InputError) as exc:
        apps.select_applications(session, site, call, [a.id], actor=actor, now=later, meeting=council)
    assert exc.value.code == "decision.wrong_committee"
    planned = schedule(session, site, "board", "2027-03-23T14:00", actor, now)
    with pytest.raises(InputError) as exc:
        apps.select_applications(session, site, call, [a.id], actor=actor, now=later, meeting=planned.id)
    assert exc.value.code == "decision.meeting_not_held"
    with pytest.raises(InputError) as exc:
        ops.record_decision(session, site, key="partner", value=a.organisation, text=None, actor=actor, now=later,
                            meeting=held(site, "board", when=later))
    assert exc.value.code == "decision.settled_by_selection" and "setupflow calls select" in str(exc.value)
    board = held(site, "board", when=later)
    decision = apps.select_applications(session, site, call, [a.id], actor=actor, now=later, meeting=board.id)
    assert decision.meeting_id == board.id and decision.key == "partner"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_an_html_file_named_pdf_is_refused(session, drafted, actor, now, tmp_path):
    site, call = drafted
    published(session, site, call, actor, now)
    a, _ = _applications(session, site, call, actor, now)
    with refused("file.type_refused", field="file", name="offre.pdf"):
        attach_file(session, site, a, data_dir=tmp_path, original_name="offre.pdf",
                    data=b"<html><script>alert(1)</script></html>", actor=actor, now=now)
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_accepted_files_are_stored_under_a_generated_name_outside_the_web_root(session, drafted, actor, now, tmp_path):
    site, call = drafted
    published(session, site, call, actor, now)
    a, _ = _applications(session, site, call, actor, now)
    pdf = attach_file(session, site, a, data_dir=tmp_path, original_name="../../etc/Dossier.pdf",
                      data=b"%PDF-1.7\n...", actor=actor, now=now)
    doc = attach_file(session, site, a, data_dir=tmp_path, original_name="budget.docx", data=_docx(), actor=actor,
                      now=now)
    assert pdf.original_name == "Dossier.pdf" and pdf.content_type == "application/pdf"
    assert doc.content_type.endswith("wordprocessingml.document")
    assert file_path(tmp_path, pdf).parent == tmp_path / "uploads"
    assert file_path(tmp_path, pdf).read_bytes().startswith(b"%PDF")
    assert "Dossier" not in pdf.stored_name
    with refused("file.too_large", field="file", limit=50):
        attach_file(session, site, a, data_dir=tmp_path, original_name="big.pdf", data=b"%PDF" + b"0" * 100,
                    actor=actor, now=now, max_bytes=50)


def test_the_call_document_shows_the_needs_and_the_weighted_criteria(session, drafted, actor, now):
    site, call = drafted
    calls.edit_call(session, site, call, actor=actor, now=now, body="<b>Appel</b> ouvert")
    calls.add_slot(session, site, call, kind="visit", starts_dt=datetime(2027, 2, 3, 13, 0, tzinfo=timezone.utc),
                   place="Zone d'atelier", actor=actor, now=now)
    html = render_call_html(REPO / "templates", site, call, "fr")
    assert "Besoins de la population pénale" in html and "Les personnes détenues sont jeunes" in html
    assert "Adéquation</td><td>3</td><td>75</td>" in html  # weight 3 of 4
    assert "&lt;b&gt;Appel&lt;/b&gt;" in html
    assert "3 février 2027 14:00" in html  # the visit in the establishment's zone, dated through Babel
    assert "February 3, 2027 14:00" in render_call_html(REPO / "templates", site, call, "en")


@pytest.mark.method
def test_an_actice_laureate_runs_its_call_for_partners_with_the_same_code(session, make_site, walk, actor, now):
    site = walk(make_site(workflow="actice", opening="2028-01-01"), "partners")
    call = calls.create_call(session, site, None, actor=actor, now=now)
    calls.edit_call(session, site, call, actor=actor, now=now, body="Appel à partenaires", needs="Un établissement")
    warnings = published(session, site, call, actor, now, days=30)
    assert warnings == []
    assert ops.current_decisions(session, site)["partner_call_opening"].value == now.date().isoformat()
    assert {c.key: c.met for c in ops.gate_of(session, site).conditions}["partner_call_opened"]
    names = ["Établissement Alpha", "SPIP Beta", "Entreprise Gamma"]
    rows = [apps.add_application(session, site, call, organisation=n, legal_status="public", activity="x",
                                 actor=actor, now=now) for n in names]
    laureate = jury(session, site, actor, now, "laureat-1", committee="follow_up")["laureat-1"]
    for row in rows:
        apps.score(session, site, call, row, member=laureate.id, scores={"commitment": 4}, actor=actor, now=now)
    apps.select_applications(session, site, call, [rows[0].id, rows[2].id], actor=actor, now=now + timedelta(days=31))
    assert ops.current_decisions(session, site)["partner"].value == "Établissement Alpha; Entreprise Gamma"
    gate = {c.key: c.met for c in ops.gate_of(session, site).conditions}
    assert gate["partners_scored"] and gate["partner"]


def test_the_needs_are_empty_until_the_diagnostic_has_conclusions(session, make_site, actor, now):
    site = make_site(workflow="work")  # in its study, the diagnostic not written yet
    call = calls.create_call(session, site, "appeal", actor=actor, now=now)
    assert call.needs == ""


def test_a_published_call_can_be_extended_after_it_closed_with_a_reason_and_its_deadline_follows(
        session, drafted, actor, now):
    from setupflow.sites.models import HistoryEntry

    site, call = drafted
    published(session, site, call, actor, now)
    closed = call.closes_on
    after = now + timedelta(days=120)
    with pytest.raises(InputError) as exc:
        calls.extend_call(session, site, call, closed + timedelta(days=30), " ", actor=actor, now=after)
    assert (exc.value.code, exc.value.field) == ("required", "reason")
    with pytest.raises(InputError) as exc:
        calls.extend_call(session, site, call, closed, "Relance", actor=actor, now=after)
    assert exc.value.code == "call.extension_not_later"
    calls.extend_call(session, site, call, closed + timedelta(days=30), "Aucune candidature recevable",
                      actor=actor, now=after)
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.action == "call_extended")).one()
    assert entry.reason == "Aucune candidature recevable" and entry.detail["after_closing"]
    assert entry.detail["previous"] == closed.isoformat() and entry.detail["announced_to"] == call.distribution
    plan = ops.planned(site, ops.dated_decisions(session, site))
    window = next(d for d in plan.deadlines if d.deadline.id == "answers").window
    assert window.earliest == window.latest == closed + timedelta(days=30)


def test_a_partial_score_sheet_is_shown_as_partial_and_does_not_count_until_complete(session, drafted, actor, now):
    site, call = drafted
    published(session, site, call, actor, now)
    a, _ = _applications(session, site, call, actor, now)
    full = {"fit": 4, "means": 4}
    jury(session, site, actor, now, "membre-1", "membre-2")
    apps.score(session, site, call, a, member="membre-1", scores=full, actor=actor, now=now)
    apps.score(session, site, call, a, member="membre-2", scores={"fit": 0}, actor=actor, now=now)
    row = next(r for r in ranking(call) if r["application_id"] == a.id)
    assert (row["score"], row["members"], row["partial"]) == ("4.00", 1, ["membre-2"])
    apps.score(session, site, call, a, member="membre-2", actor=actor, now=now, scores={"means": 0})
    row = next(r for r in ranking(call) if r["application_id"] == a.id)
    assert (row["score"], row["members"], row["partial"]) == ("2.00", 2, [])
