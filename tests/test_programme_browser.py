"""In a real browser, the programmes as their people live them: the programme's staff open an
Act'ice promotion, set the criteria's weights, publish the call, move an expression of
interest to its full file, score it, select it in a held meeting of the selection committee
and schedule the collective days; a laureate reports a quarter's figures and sees the totals."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from browser_support import *  # noqa: F401,F403
from browser_support import log_in, screenshots_on_failure
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD

from setupflow.committees.models import Meeting
from setupflow.definitions.programmes import load_programmes
from setupflow.programmes import operations as ops
from setupflow.programmes.models import Edition

from tests.conftest import WORKFLOWS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACTICE = load_programmes([WORKFLOWS]).get("actice")


def edition_part(page, title):
    return page.locator("details", has=page.get_by_text(title, exact=True))


def test_programme_staff_run_a_promotion_from_its_call_to_its_collective_days(live_app, app, page, person,
                                                                              web_session, now):
    staff = person("equipe@example.test", "partner")
    laureate_account = person("porteur@example.test", "partner")
    ops.add_member(web_session, ACTICE, staff.id, "staff", now=now)
    web_session.commit()
    with screenshots_on_failure(page, "programme-staff"):
        log_in(page, live_app, "equipe@example.test", PASSWORD)
        page.goto(f"{live_app}/programmes/actice")
        page.get_by_label("Nom de l'édition").fill("Promotion 2027 (fictive)")
        page.get_by_label("Premier jour").fill("2027-01-04")
        page.get_by_role("button", name="Ouvrir une édition").click()
        page.get_by_text("L'édition est ouverte, en brouillon.").wait_for()

        # the weights, editable until the call is published
        page.get_by_text("Modifier les pondérations").click()
        weights = page.locator("form", has=page.get_by_role("button", name="Enregistrer les poids"))
        first = weights.locator("input[type=number]").first
        first.fill("11")  # the browser itself holds an out-of-range weight back (the server checks again)
        assert first.evaluate("input => !input.checkValidity()")
        first.fill("5")
        weights.get_by_role("button", name="Enregistrer les poids").click()
        page.get_by_text("Les pondérations sont enregistrées.").wait_for()

        page.get_by_label("Jour de publication").fill("2026-11-25")
        page.get_by_role("button", name="Publier l'appel").click()
        page.get_by_text("L'appel est publié.").wait_for()
        assert "Modifier les pondérations" not in page.content()

        # an expression of interest, typed in by the staff, then its full file
        page.get_by_text("Enregistrer une manifestation d'intérêt").click()
        interest = page.locator("form", has=page.get_by_role("button", name="Enregistrer la candidature"))
        interest.get_by_label("Nom du projet").fill("Atelier Alpha (fictif)")
        interest.get_by_label("Structure porteuse").fill("Association fictive")
        interest.get_by_label("Département").fill("69")
        interest.get_by_label("Le projet en une phrase").fill("Des chantiers fictifs pour la sortie.")
        interest.get_by_label("Reçue le").fill("2026-11-28")
        interest.get_by_role("button", name="Enregistrer la candidature").click()
        page.get_by_text("La candidature est enregistrée.").wait_for()
        page.get_by_role("button", name="Demander le dossier complet").click()
        page.get_by_text("Le dossier complet est demandé.").wait_for()
        page.locator("summary", has_text="Enregistrer le dossier complet").click()
        full = page.locator("form", has=page.get_by_role("button", name="Enregistrer le dossier complet"))
        full.get_by_label("Lien avec la justice et publics visés").fill("Ateliers en détention (fictif)")
        full.get_by_label("Modèle économique").fill("Prestations et subventions (fictif)")
        full.get_by_label("Équipe et gouvernance").fill("Deux salariés (fictif)")
        full.get_by_role("button", name="Enregistrer le dossier complet").click()
        page.get_by_text("Le dossier complet est enregistré.").wait_for()

        # a committee member's scores, recorded by the staff
        page.get_by_text("Noter Atelier Alpha (fictif)").click()
        scores = page.locator("form", has=page.get_by_role("button", name="Enregistrer les notes"))
        scores.get_by_label("Membre du comité").fill("Membre A (fictif)")
        scores.locator("input[type=number]").first.fill("4")
        scores.get_by_role("button", name="Enregistrer les notes").click()
        page.get_by_text("Les notes sont enregistrées.").wait_for()

        # the call closes; the committee meets, is recorded as held with its seats, and selects
        after = datetime(2027, 2, 8, 9, 0, tzinfo=timezone.utc)
        app.config["SETUPFLOW_NOW"] = lambda: after
        page.reload()
        page.get_by_text("Planifier une réunion").click()
        schedule = page.locator("form", has=page.get_by_role("button", name="Planifier", exact=True))
        schedule.get_by_label("Type").select_option("selection")
        schedule.get_by_label("Jour", exact=True).fill("2027-02-08")
        schedule.get_by_label("Heure").fill("08:00")
        schedule.get_by_label("Lieu").fill("Salle du conseil (fictive)")
        schedule.get_by_role("button", name="Planifier", exact=True).click()
        page.get_by_text("La réunion est programmée.").wait_for()
        page.get_by_role("link", name="comité de sélection").click()
        page.get_by_role("heading", name="Comité de sélection").wait_for()
        for seat in ACTICE.committee.seats:
            page.get_by_label(seat.quality.fr).check()
        page.get_by_role("button", name="Marquer comme tenue").click()
        page.get_by_text("La réunion est enregistrée.").wait_for()
        page.get_by_role("link", name="Promotion 2027 (fictive)").first.click()
        selection = page.locator("form", has=page.get_by_role("button", name="Enregistrer la sélection"))
        selection.get_by_label("Atelier Alpha (fictif)").check()
        selection.get_by_role("button", name="Enregistrer la sélection").click()
        page.get_by_text("La sélection est enregistrée ; les lauréats sont listés.").wait_for()

        # the laureate's account joins, then the accompaniment's collective days are scheduled
        web_session.expire_all()
        edition = web_session.scalar(select(Edition).where(Edition.label == "Promotion 2027 (fictive)"))
        ops.add_member(web_session, ACTICE, laureate_account.id, "laureate", now=after,
                       laureate=edition.laureates[0])
        web_session.commit()
        page.get_by_label("Premier jour de l'accompagnement").fill("2027-03-01")
        page.get_by_role("button", name="Planifier l'accompagnement").click()
        page.get_by_text("L'accompagnement est planifié.").wait_for()
        page.get_by_role("link", name="Comprendre le fonctionnement de la justice").click()
        page.get_by_role("heading", name="Comprendre le fonctionnement de la justice").wait_for()
        invited = page.locator("#attendance + ul, #attendance + form").inner_text()
        assert "porteur" in invited and "equipe" in invited  # the laureate's account and the staff are invited
    web_session.expire_all()
    meetings = web_session.scalars(select(Meeting).where(Meeting.edition_id == edition.id)).all()
    assert sum(m.committee_id == "collective_day" for m in meetings) == len(ACTICE.accompaniment.collective_days)
    day = next(m for m in meetings if m.topic == "justice_system")
    assert sorted(a.user.email for a in day.attendees) == ["equipe@example.test", "porteur@example.test"]
    assert edition.status == "accompaniment" and [lt.project for lt in edition.laureates] == ["Atelier Alpha (fictif)"]


def test_a_laureate_reports_a_quarter_and_sees_the_totals(live_app, page, person, web_session, manager, now):
    edition = ops.open_edition(web_session, ACTICE, label="Promotion 2026 (fictive)", starts_on="2026-10-01",
                               actor=manager, now=now)
    alpha = ops.add_laureate(web_session, ACTICE, edition, project="Atelier Alpha (fictif)",
                             organisations=["Association fictive"], department="69", purpose="Fictif", now=now)
    beta = ops.add_laureate(web_session, ACTICE, edition, project="Atelier Beta (fictif)",
                            organisations=["Autre association"], department="38", purpose="Fictif", now=now)
    ops.report(web_session, ACTICE, edition, beta, period="2026-Q4", values={"volunteers": 6}, actor=manager, now=now)
    account = person("alpha@example.test", "partner")
    ops.add_member(web_session, ACTICE, account.id, "laureate", now=now, laureate=alpha)
    web_session.commit()
    with screenshots_on_failure(page, "programme-laureate"):
        log_in(page, live_app, "alpha@example.test", PASSWORD)
        page.goto(f"{live_app}/programmes")
        page.get_by_role("link", name="Promotion 2026 (fictive)").first.click()
        page.get_by_role("link", name="Atelier Alpha (fictif)").first.click()
        page.get_by_label("Période").fill("2027-Q1")
        page.get_by_label("Bénévoles mobilisés").fill("9")
        page.get_by_label("Établissements ou SPIP partenaires").fill("2")
        page.get_by_role("button", name="Enregistrer les chiffres").click()
        page.get_by_text("Les chiffres sont enregistrés.").wait_for()
        assert page.get_by_role("row", name="2027-Q1").count() == 1
        page.goto(f"{live_app}/programmes/actice/editions/{edition.id}")
        page.get_by_text("Bénévoles mobilisés · total 15").first.wait_for()  # 9 of its own and 6 of Beta's
        assert "Atelier Beta" not in page.content()
