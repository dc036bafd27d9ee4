"""Fictional demo programmes: one edition of each programme with its call (applications at
both steps), its committee's selection, laureates, collective days and follow-ups past and
coming, reports over several periods and the review's texts; and an Act'ice call in progress.

The figures of the Entreprendre sa Liberté round follow the order of magnitude of its first
year (43 workshops, about 150 people reached, 70 entrepreneurs engaged); every project,
organisation and person here is fictional.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..clock import local_date
from ..definitions.programmes import ProgrammeCatalog
from ..sites.records import Actor
from ..committees.models import Meeting
from . import meetings as programme_meetings
from . import operations as ops
from .models import Edition

ACTOR = Actor("Équipe des programmes (démo, fictive)", is_manager=True)

#: (e-mail of a demo account, programme, part, laureate index in the edition or None)
DEMO_PARTS = (
    ("programmes@demo.setupflow.test", "actice", "staff", None),
    ("programmes@demo.setupflow.test", "entreprendre-sa-liberte", "staff", None),
    ("programmes@demo.setupflow.test", "prix-2d", "staff", None),
    ("laureat@demo.setupflow.test", "actice", "laureate", 0),
    ("mecene@demo.setupflow.test", "entreprendre-sa-liberte", "funder", None),
    ("mecene@demo.setupflow.test", "actice", "funder", None),
)

ACTICE_PROJECTS = (
    ("Les Jardins de la Levée", "Association Passerelle Verte", "69", "Lyon",
     "Des chantiers de maraîchage pour des personnes en fin de peine."),
    ("Code Libre", "École Numérique Solidaire", "75", "Paris",
     "Former aux métiers du numérique pendant et après la détention."),
    ("Pierres et Liens", "Chantier Patrimoine Ouvert", "71", "Mâcon",
     "Restaurer le patrimoine local avec des personnes placées à l'extérieur."),
    ("Parole Tenue", "Compagnie Voix Claires", "59", "Lille",
     "Renforcer les compétences psycho-sociales par le théâtre."),
    ("Cap Dehors", "Association Relais Drôme", "26", "Valence",
     "Développer les placements extérieurs en milieu rural."),
    ("Premier Pas Pro", "Réseau Tremplin Sud", "31", "Toulouse",
     "Accompagner la création d'activité à la sortie."),
)

#: four projects of two or three associations, with year-one figures per half-year
ESL_PROJECTS = (
    ("Un pas vers soi", ["Parole Ouverte", "Activ'Ensemble"], "67",
     "Compétences psycho-sociales et entrepreneuriales, dedans et dehors.",
     "Trois parcours en milieu fermé, deux en milieu ouvert",
     ({"workshops": 6, "people_reached": 17, "closed_paths": 2, "open_paths": 1, "entrepreneurs": 9},
      {"workshops": 8, "people_reached": 21, "closed_paths": 1, "open_paths": 1, "entrepreneurs": 11})),
    ("Cap Entreprendre", ["Solidarité Rouge et Blanc", "Vingt-et-Un"], "77",
     "Découvrir l'entrepreneuriat, puis incuber les projets.", "Découverte puis incubation",
     ({"workshops": 2, "people_reached": 19, "people_accompanied": 6, "entrepreneurs": 7},
      {"workshops": 3, "people_reached": 21, "people_accompanied": 8, "entrepreneurs": 8})),
    ("Tremplin Jeunes", ["Foyers d'Avenir", "Explore Métiers"], "38",
     "Sensibiliser les 16-20 ans à la démarche entrepreneuriale.", "Ateliers puis accompagnement renforcé",
     ({"workshops": 5, "people_reached": 28, "people_accompanied": 9, "entrepreneurs": 9},
      {"workshops": 7, "people_reached": 32, "people_accompanied": 12, "entrepreneurs": 11})),
    ("Agir Libres", ["Maisons Relais", "Ascension Insertion", "Réseau Créateurs"], "01",
     "Sensibiliser dedans, puis accompagner la création dehors sur trois ans.",
     "Dedans : six mois de la sensibilisation au mentorat ; dehors : trois ans d'accompagnement",
     ({"workshops": 5, "people_reached": 7, "people_mentored": 1, "entrepreneurs": 7},
      {"workshops": 7, "people_reached": 8, "people_mentored": 2, "entrepreneurs": 8})),
)

PRIZE_PROJECTS = (
    ("Parler pour réussir", "Association Éloquence Dedans", "93",
     "Des ateliers d'expression orale pour préparer l'entretien d'embauche."),
    ("Torréfaction solidaire", "Atelier Grain d'Avenir", "91",
     "Un atelier de torréfaction en détention, prolongé par des emplois dehors."),
    ("Orientation Emploi", "Service Tremplin Nantais", "44",
     "Un service d'orientation vers l'emploi complémentaire des SPIP."),
    ("Numérique pour tous", "Académie du Code Solidaire", "13",
     "Former aux métiers du numérique en détention."),
)


def _day(d: date, hour: int = 10) -> datetime:
    from ..clock import installation_zone

    return datetime(d.year, d.month, d.day, hour, tzinfo=installation_zone())


def _quarter(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def _half(d: date) -> str:
    return f"{d.year}-H{1 if d.month <= 6 else 2}"


def _run_call(session, programme, edition, projects, start: date, now: datetime, shortlisted: int, selected: int):
    """Applications through the call's steps, three members' scores, a held selection meeting."""
    apps = []
    for i, (project, organisation, department, _city, purpose) in enumerate(projects):
        answers = {"project": project, "organisation": organisation, "department": department, "purpose": purpose}
        step = programme.call.steps[0]
        answers.update({f.id: "Réponse fictive" for f in step.fields if f.id not in answers and f.kind != "file"})
        apps.append(ops.add_application(session, programme, edition, answers=answers, actor=ACTOR, now=now,
                                        received_on=start + timedelta(days=3 + i)))
    if len(programme.call.steps) > 1:
        full_step = programme.call.steps[1]
        opens = start + timedelta(days=full_step.opens_after_days)
        for a in apps[:shortlisted]:
            ops.request_full_file(session, programme, edition, a, actor=ACTOR, now=now)
            ops.submit_full_file(session, programme, edition, a, actor=ACTOR, now=now, received_on=opens + timedelta(days=5),
                                 answers={f.id: "Réponse fictive" for f in full_step.fields if f.kind != "file"})
    complete = [a for a in apps if ops.at_last_step(programme, a)]
    for m, member in enumerate(("Membre A (fictif)", "Membre B (fictive)", "Membre C (fictif)")):
        for k, a in enumerate(complete):
            ops.score(session, programme, edition, a, member=member, actor=ACTOR, now=now,
                      scores={c["id"]: (5 - k + m) % (programme.call.max_score + 1) for c in edition.criteria})
    last = ops.step_windows(programme, edition)[-1]["closes"]
    meeting = ops.schedule_meeting(session, programme, edition, kind="selection", starts_dt=_day(last + timedelta(days=7)),
                                   now=now, place="Salle du conseil, siège du programme (fictif)")
    ops.mark_held(session, programme, meeting, present=[s.id for s in programme.committee.seats], now=now)
    programme_meetings.save_minutes(session, meeting, MINUTES["selection"], 0, ACTOR, now)
    ranked = [r["application_id"] for r in ops.ranking(programme, edition)][:selected]
    ops.select_laureates(session, programme, edition, meeting, ranked, actor=ACTOR, now=now,
                         text="Projets retenus pour leur lien avec la justice et leur maturité.")
    return last + timedelta(days=14)


#: the minutes of the demo's past meetings (fictional)
MINUTES = {
    "selection": ("# Comité de sélection\n\nLe comité a examiné les dossiers complets, classés par note pondérée.\n\n"
                  "## Relevé de décisions\n\n- Les projets retenus sont inscrits comme lauréats.\n"
                  "- Les autres candidats reçoivent un retour écrit."),
    "collective_day": ("# Journée collective\n\nTour de table des lauréats, apports sur le thème du jour, "
                       "travail en sous-groupes.\n\n## Suites\n\n- Les supports sont partagés avec les lauréats."),
    "co_development": ("# Co-développement\n\nUn lauréat a exposé une difficulté ; les pairs ont questionné, "
                       "puis proposé des pistes.\n\n## Suites\n\n- Point d'étape à la prochaine séance."),
    "event": "# Événement\n\nRencontre tenue comme prévu ; les contacts pris sont suivis par l'équipe.",
    "follow_up": "# Suivi individuel\n\nPoint sur les chiffres du trimestre et les prochaines étapes du projet.",
}
PLACES = {"collective_day": "Maison des associations, Paris (fictif)", "event": "Auditorium du siège (fictif)",
          "co_development": None, "follow_up": None}
VIDEO = "https://visio.demo.setupflow.test/programme"


def _live_calendar(session, programme, edition, acc_start: date, now: datetime, missed_laureate=None):
    """Plan the accompaniment; what is past is held, with its minutes (two follow-ups of
    one laureate missed); what is coming is scheduled, with its place or video link."""
    meetings = ops.plan_accompaniment(session, programme, edition, starts_on=acc_start, now=now)
    for m in meetings:
        if PLACES.get(m.committee_id):
            m.place = PLACES[m.committee_id]
        else:
            m.video_url = VIDEO
    past_follow_ups = sorted((m for m in meetings if m.committee_id == "follow_up" and m.laureate_id == missed_laureate
                              and m.starts_dt <= now), key=lambda m: m.starts_dt)
    missed = {m.id for m in past_follow_ups[-2:]}
    for m in meetings:
        if m.starts_dt <= now:
            ops.mark_held(session, programme, m, now=now, missed=m.id in missed)
            if m.id not in missed:
                programme_meetings.save_minutes(session, m, MINUTES[m.committee_id], 0, ACTOR, now)


def build_programmes_demo(session: Session, programmes: ProgrammeCatalog, now: datetime) -> list[Edition]:  # noqa: C901  (one edition's life told in order, programme by programme: a script, not a rule)
    today = local_date(now)
    editions = []

    # Act'ice: last year's promotion, accompanied for nine months and now in its last months
    actice = programmes.get("actice")
    start = today - timedelta(days=330)
    edition = ops.open_edition(session, actice, label=f"Promotion {start.year}", starts_on=start, actor=ACTOR, now=now)
    ops.publish_call(session, actice, edition, published_on=start, actor=ACTOR, now=now)
    acc_start = _run_call(session, actice, edition, ACTICE_PROJECTS, start, now, shortlisted=5, selected=4)
    for laureate, (_, _, _, city, _) in zip(edition.laureates, ACTICE_PROJECTS):
        laureate.city = city
        laureate.parrains = ["Membre du CESE (fictif)", "Direction d'une agence nationale (fictive)"]
    _live_calendar(session, actice, edition, acc_start, now, missed_laureate=edition.laureates[-1].id)
    for i, laureate in enumerate(edition.laureates):
        day = acc_start
        while day <= today:
            ops.report(session, actice, edition, laureate, period=_quarter(day), actor=ACTOR, now=now,
                       values={"people_accompanied": 6 + 3 * i, "people_into_work": 1 + i,
                               "establishments": 1 + i % 2, "volunteers": 4 + i})
            day = ops.add_months(day, 3)
    ops.set_review_text(session, actice, edition, "difficulties", actor=ACTOR, now=now, text=(
        "Accéder aux établissements prend du temps.\nLes financements restent courts et morcelés."))
    ops.set_review_text(session, actice, edition, "impacts", actor=ACTOR, now=now, text=(
        "Les projets se connaissent et coopèrent.\nPlusieurs structures ont signé une convention avec un SPIP."))
    editions.append(edition)

    # Act'ice: this year's call, open, with applications at both steps
    nxt = ops.open_edition(session, actice, label=f"Promotion {today.year + 1}", starts_on=today - timedelta(days=45),
                           actor=ACTOR, now=now)
    ops.publish_call(session, actice, nxt, published_on=today - timedelta(days=45), actor=ACTOR, now=now)
    for i, (project, organisation, department, _city, purpose) in enumerate(ACTICE_PROJECTS[:4]):
        a = ops.add_application(session, actice, nxt, actor=ACTOR, now=now, received_on=today - timedelta(days=40 - i),
                                answers={"project": f"{project} (nouvelle candidature)", "organisation": organisation,
                                         "department": department, "purpose": purpose})
        if i < 3:
            ops.request_full_file(session, actice, nxt, a, actor=ACTOR, now=now)
        if i == 0:
            ops.submit_full_file(session, actice, nxt, a, actor=ACTOR, now=now, received_on=today,
                                 answers={"justice_link": "Réponse fictive", "economic_model": "Réponse fictive",
                                          "team": "Réponse fictive"})
    editions.append(nxt)

    # Entreprendre sa Liberté: a three-year round in its second year
    esl = programmes.get("entreprendre-sa-liberte")
    start = today - timedelta(days=500)
    edition = ops.open_edition(session, esl, label=f"Cycle {start.year}-{start.year + 2}", starts_on=start,
                               actor=ACTOR, now=now)
    ops.publish_call(session, esl, edition, published_on=start, actor=ACTOR, now=now)
    projects = [(p[0], "; ".join(p[1]), p[2], None, p[3]) for p in ESL_PROJECTS]
    acc_start = _run_call(session, esl, edition, projects, start, now, shortlisted=4, selected=4)
    for laureate, spec in zip(edition.laureates, ESL_PROJECTS):
        laureate.path = spec[4]
        for offset, values in zip((0, 6), spec[5]):
            ops.report(session, esl, edition, laureate, period=_half(ops.add_months(acc_start, offset)), values=values,
                       actor=ACTOR, now=now)
    _live_calendar(session, esl, edition, acc_start, now)
    ops.set_review_text(session, esl, edition, "difficulties", actor=ACTOR, now=now, text=(
        "Garder les participants engagés dans la durée.\n"
        "Lever les freins liés au statut (logement, dettes, santé) avant de parler d'entreprendre.\n"
        "Défaire l'image d'une activité facile et vite rentable."))
    ops.set_review_text(session, esl, edition, "impacts", actor=ACTOR, now=now, text=(
        "Les participants se mobilisent réellement dans les ateliers.\n"
        "La confiance en soi progresse avec les compétences entrepreneuriales.\n"
        "Des liens de confiance se nouent avec l'administration pénitentiaire."))
    editions.append(edition)

    # the 2D prize: this year's edition, awarded, in its collective times
    prize = programmes.get("prix-2d")
    start = today - timedelta(days=240)
    edition = ops.open_edition(session, prize, label=f"Édition {start.year}", starts_on=start, actor=ACTOR, now=now)
    ops.publish_call(session, prize, edition, published_on=start, actor=ACTOR, now=now)
    acc_start = _run_call(session, prize, edition, [(p[0], p[1], p[2], None, p[3]) for p in PRIZE_PROJECTS], start,
                          now, shortlisted=4, selected=3)
    for laureate in edition.laureates:
        laureate.parrains = ["Membre de l'agence (fictif)"]
    _live_calendar(session, prize, edition, acc_start, now)
    for i, laureate in enumerate(edition.laureates):
        for offset in (0, 6):
            day = ops.add_months(acc_start, offset)
            if day <= today:
                ops.report(session, prize, edition, laureate, period=_half(day), actor=ACTOR, now=now,
                           values={"people_trained": 8 + 4 * i, "people_employed": 2 + i, "establishments": 1,
                                   "companies": 3 + i})
    ops.set_review_text(session, prize, edition, "cooperation", actor=ACTOR, now=now, text=(
        "Les lauréats et l'agence ont travaillé ensemble le parcours dedans-dehors."))
    editions.append(edition)

    _demo_parts(session, programmes, editions, now)
    # the demo accounts joined after the meetings were planned: they are invited now, and the
    # meetings already held record them present (absent from a follow-up their project missed)
    for e in editions:
        for m in programme_meetings.meetings_of(session, e):
            added = programme_meetings.invite_members(session, programmes.get(e.programme_id), e, m)
            if m.status in programme_meetings.HELD + ("missed",):
                for attendee in added:
                    attendee.attendance = "absent" if m.status == "missed" else "present"
    session.flush()
    return editions


def _demo_parts(session, programmes, editions, now):
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_({p[0] for p in DEMO_PARTS})))}
    by_programme = {}
    for e in editions:
        by_programme.setdefault(e.programme_id, e)
    for email, programme_id, part, index in DEMO_PARTS:
        user = users.get(email)
        if user is None:
            continue
        laureate = by_programme[programme_id].laureates[index] if index is not None else None
        ops.add_member(session, programmes.get(programme_id), user.id, part, now=now, laureate=laureate)


def follow_ups_of(session, edition) -> int:
    return len(session.scalars(select(Meeting.id).where(Meeting.edition_id == edition.id,
                                                      Meeting.committee_id == "follow_up")).all())
