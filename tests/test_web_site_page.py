"""The site page as a newcomer reads it: a history in sentences, decisions in words,
instructions only for people who can follow them."""
import html
import re

from setupflow.sites import operations as ops
from setupflow.sites.models import HistoryEntry

from web_fixtures import *  # noqa: F401,F403


def _history_rows(page: str) -> list[str]:
    body = page.split('id="h-history"', 1)[1].split("<tbody>", 1)[1]
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_every_history_entry_of_a_walked_site_reads_as_a_french_sentence(site_in, logged_in, web_session,
                                                                         web_walk, manager, now):
    site = web_walk(site_in(), "support")
    ops.record_decision(web_session, site, key=None, value=None, text="Visite de l'atelier en mars",
                        actor=manager, now=now)
    web_session.commit()
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    page = client.get(f"/sites/{site.id}").get_data(as_text=True)
    rows = _history_rows(page)
    assert len(rows) == 20
    assert "décision libre : Visite de l'atelier en mars" in rows[0]
    assert not any("{" in row or "_" in row for row in rows), [r for r in rows if "{" in r or "_" in r]
    assert f'href="/sites/{site.id}/history"' in page

    full = client.get(f"/sites/{site.id}/history").get_data(as_text=True)
    every = _history_rows(full)
    assert len(every) > 20 and not any("{" in row for row in every)
    assert "Site créé" in every[-1]


def test_an_action_the_page_does_not_know_is_humanised_not_dumped(app, site_in, web_session, manager, now):
    from web.history import history_text

    site = site_in()
    entry = web_session.get(HistoryEntry, ops.record(web_session, site, manager, now, "brand_new_thing",
                                                     some={"nested": 1}))
    with app.test_request_context():
        assert history_text(site, entry, "fr") == "Brand new thing"


def test_decisions_taken_read_in_words_and_only_the_current_gate_offers_forms(site_in, logged_in, web_session,
                                                                              web_walk):
    site = web_walk(site_in(), "support", values={"structure_type": "EA"})
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    page = html.unescape(client.get(f"/sites/{site.id}").get_data(as_text=True))
    workflow = ops.workflow_of(site)
    structure = workflow.decision("structure_type")
    label = next(c.label.fr for c in structure.choices if c.id == "EA")
    taken = page.split('id="decisions-taken"', 1)[1].split("</ul>", 1)[0]
    assert f"{structure.label.fr}\u00a0: <strong>{label}</strong>" in taken
    assert "Claude Bernard (Cress, fictional)" in taken and "&lt;" not in taken and "<cress" not in taken
    offered = set(re.findall(r'name="key" value="([^"]+)"', page))
    gate = workflow.stage(site.stage).gate.decisions
    assert offered == {k for k in gate if not workflow.decision(k).committee and not workflow.decision(k).settled_by}
    for key in offered:
        assert f"Valeur\u00a0: {workflow.decision(key).label.fr}" in page
    settled = [k for k in gate if workflow.decision(k).settled_by]
    assert settled, "the support stage's decisions come from its work"
    assert page.count("Cette décision est enregistrée par le travail qui l'établit") == len(settled)
    assert f'href="/sites/{site.id}/support"' in page


def test_a_partner_reads_a_neutral_status_where_a_lead_reads_what_to_do(site_in, logged_in, web_session, web_walk):
    site = web_walk(site_in(), "diagnose")
    partner = logged_in("partner@example.test", "partner", sites=[site])
    page = html.unescape(partner.get(f"/sites/{site.id}").get_data(as_text=True))
    assert "Marquez cette tâche comme faite ci-dessus" not in page
    assert "Enregistrez cette décision ci-dessous" not in page
    assert "Pas encore décidée." in page
    assert 'id="decisions"' not in page  # nothing decided yet and no form for a partner


def test_a_task_met_by_the_work_links_to_its_page_instead_of_a_tick(site_in, logged_in, web_session, web_walk):
    site = web_walk(site_in(), "diagnose")
    workflow = ops.workflow_of(site)
    by_work = [t for t in workflow.stage("diagnose").tasks if t.evidence]
    assert by_work, "the diagnose stage has tasks met by the diagnostic"
    lead = logged_in("lead@example.test", "lead", sites=[site])
    page = html.unescape(lead.get(f"/sites/{site.id}").get_data(as_text=True))
    for task in by_work:
        assert f"/sites/{site.id}/tasks/{task.id}" not in page
    assert "remplie par le travail" in page and f'href="/sites/{site.id}/diagnostic"' in page
    refused = lead.post(f"/sites/{site.id}/tasks/{by_work[0].id}", data={"done": "1"}, follow_redirects=True)
    assert "elle ne se coche pas à la main" in html.unescape(refused.get_data(as_text=True))


def test_the_retro_planning_keeps_stage_names_whole_and_today_apart_from_the_target(site_in, logged_in):
    site = site_in(start="2027-01-04", opening="2027-01-20")  # today (2027-01-04) is close to the target
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    svg = html.unescape(client.get(f"/sites/{site.id}").get_data(as_text=True)).split("<svg", 1)[1].split("</svg>")[0]
    words = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))
    for stage in ops.workflow_of(site).stages:
        assert stage.label.fr in words, stage.label.fr
    today = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)">aujourd\'hui</text>', svg)
    target = re.search(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)">cible</text>', svg)
    assert float(today.group(1)) < float(target.group(1))
    assert (today.group(2), target.group(2)) == ("end", "start")


def test_portfolio_stage_filter_follows_the_method_and_says_toutes(site_in, logged_in, web_walk):
    web_walk(site_in(name="Atelier A"), "support")
    site_in(name="Atelier B")
    web_walk(site_in(name="Atelier C"), "diagnose")
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    page = html.unescape(client.get("/portfolio").get_data(as_text=True))
    stage_select = page.split('id="f-stage"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="([^"]+)"', stage_select)
    order = [s.id for s in ops.workflow_of(site_in(name="Atelier D")).stages]
    assert offered == sorted(offered, key=order.index) and len(offered) == 3
    for name in ("region", "disp", "stage"):
        assert re.search(rf'id="f-{name}" name="{name}">\s*<option value="">Toutes</option>', page)


def test_french_wording_singular_days_first_of_the_month_and_spaced_colons(site_in, logged_in, web_session,
                                                                           web_walk):
    site = web_walk(site_in(start="2026-12-01"), "call", values={"structure_type": "EA"})
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    page = html.unescape(client.get(f"/sites/{site.id}").get_data(as_text=True))
    assert "0 jour dans cette étape" in page  # walked today: 0 is singular in French
    assert "1er janv. 2029" in page or "1er janvier 2029" in page  # the target opening
    assert not re.search(r"\b1 (janv|déc)", page)
    label = ops.workflow_of(site).decision("structure_type").label.fr
    assert f"{label}\u00a0: " in page and f"{label}:" not in page and f"{label} :" not in page
    log = html.unescape(client.get(f"/sites/{site.id}/decisions").get_data(as_text=True))
    assert f"{label}\u00a0: " in log and f"{label}:" not in log and f"{label} :" not in log


def test_the_site_page_reads_nothing_twice(app, site_in, logged_in, web_walk):
    """The next steps use the forecast, gate and met tasks the page has just read: no
    statement is sent twice with the same values (the page sent 47 statements, 18 of them
    these reads made again; each is a round trip to a PostgreSQL server)."""
    from sqlalchemy import event

    site = web_walk(site_in(), "support")
    client = logged_in("cress@example.test", "cress", region="Bretagne")
    client.get(f"/sites/{site.id}")
    sent = []

    def seen(_conn, _cursor, statement, parameters, *_args):
        sent.append((statement, repr(parameters)))

    engine = app.extensions["setupflow_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get(f"/sites/{site.id}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    twice = {s for s in sent if sent.count(s) > 1}
    assert sent and not twice, twice
