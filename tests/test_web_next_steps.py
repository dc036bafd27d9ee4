"""The top of the site page answers the lead's questions (where are we, what must I do, by
when) with the engine's next steps; every line leads to the page where it is done; the
CLI's `site show` prints the same steps."""
import html
import re
from datetime import date, timedelta

from setupflow.committees import actions, attendance, operations as meetings
from setupflow.next_steps import next_steps
from setupflow.sites import operations as ops

from web_fixtures import *  # noqa: F401,F403


def block(page: str) -> str:
    return page.split('id="h-next"', 1)[1].split("</section>", 1)[0]


def lines(page: str) -> list[tuple[str, str]]:
    """(href, text) of each line of the block."""
    return [(href, re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", text))).strip())
            for href, text in re.findall(r'<li[^>]*><a href="([^"]+)">(.*?)</a></li>', block(page), re.S)]


def test_the_lead_reads_the_next_meeting_the_late_action_and_the_tasks_each_linked(
        site_in, logged_in, web_session, manager, now):
    from setupflow.team import operations as team

    site = site_in()
    org = team.organisation_for(web_session, site, "spip", manager, now)
    owner = team.add_person(web_session, site, name="Yann Fictif", email="yann@example.org", organisation=org,
                            actor=manager, now=now, committees=["technical"], start_on=site.start_on)
    m = meetings.schedule(web_session, site, "technical", "2027-01-12T14:00", manager, now)
    attendance.assign_role(web_session, m, "agenda", owner, manager, now)
    actions.add_action(web_session, m, "Transmettre les données du greffe", owner, manager, now,
                       due_on=date(2027, 1, 4) - timedelta(days=2))
    web_session.commit()
    lead = logged_in("lead@example.test", "lead", sites=[site])
    page = lead.get(f"/sites/{site.id}").get_data(as_text=True)
    assert page.index('id="h-next"') < page.index('id="h-stages"')
    found = lines(page)
    steps = next_steps(web_session, site, now)
    assert [href for href, _ in found] == [s.path for s in steps.steps]
    texts = [text for _, text in found]
    assert texts[0] == "Prochaine réunion\u00a0: Comité technique, mardi 12 janvier 2027 à 14:00 (dans 8 jours)"
    assert texts[1] == "Avant la réunion\u00a0: envoyer l’ordre du jour — tenu par Yann Fictif"
    assert texts[2] == ("En retard\u00a0: Transmettre les données du greffe — Yann Fictif, échéance le "
                        "2 janvier 2027 (2 jours de retard)")
    tasks = [t for t in texts if "porté d’ordinaire par" in t]
    assert len(tasks) == len(steps.of("task")) and "porté d’ordinaire par\u00a0: DISP" in " ".join(tasks)
    for href, _ in found:
        assert lead.get(href.split("#")[0]).status_code == 200, href


def test_the_checklist_says_who_usually_carries_each_task(site_in, logged_in):
    site = site_in()
    cress = logged_in("cress@example.test", "cress", region="Bretagne")
    page = html.unescape(cress.get(f"/sites/{site.id}").get_data(as_text=True))
    checklist = page.split('class="checklist"', 1)[1].split("</ul>", 1)[0]
    assert checklist.count('class="carried-by"') == len(ops.workflow_of(site).stage("plan").tasks)
    assert "porté d’ordinaire par\u00a0: Cress (tête de réseau ESS)" in re.sub(r"<[^>]+>", "", checklist)


def test_site_show_prints_the_same_steps_in_english(web_db, site_in, web_session, now):
    from click.testing import CliRunner

    from setupflow.cli import cli as main

    site = site_in()
    result = CliRunner().invoke(main, ["site", "show", str(site.id), "--lang", "en"], env=web_db.env())
    assert result.exit_code == 0, result.output
    out = result.output.split("next steps:", 1)[1]
    assert f"-> /sites/{site.id}#tasks" in out and "usually carried by: DISP" in out
    assert "the stage reaches its maximum duration on" in out
    json_result = CliRunner().invoke(main, ["site", "show", str(site.id), "--json"], env=web_db.env())
    import json

    data = json.loads(json_result.output)
    assert [s["kind"] for s in data["next_steps"]][:2] == ["deadline", "stage_max"]
