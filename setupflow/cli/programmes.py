"""``setupflow programmes``: editions, their call in steps, the selection, laureates, reports, review."""
from __future__ import annotations

import click

from .inputs import CSV_FORM_OPTION
from .common import CliError, actor_from, echo_json, now_utc, runtime


def _catalog():
    from ..definitions.programmes import load_programmes

    return load_programmes(runtime().settings.workflow_dirs)


def _programme(programme_id):
    try:
        return _catalog().get(programme_id)
    except LookupError as exc:
        raise CliError(str(exc)) from None


def _pairs(values, option) -> dict:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise CliError(f"{option}: '{value}' is not KEY=VALUE")
        out[key.strip()] = rest
    return out


def _edition(session, edition_id):
    from ..programmes.operations import get_edition

    edition = get_edition(session, edition_id)
    return _programme(edition.programme_id), edition


def describe_edition(programme, edition) -> dict:
    from ..programmes.operations import step_windows

    return {"id": edition.id, "programme": programme.id, "label": edition.label, "status": edition.status,
            "starts_on": edition.starts_on, "ends_on": edition.ends_on, "criteria": edition.criteria,
            "call_published_on": edition.call_published_on,
            "steps": [{"id": w["step"].id, "opens": w["opens"], "closes": w["closes"]}
                      for w in step_windows(programme, edition)],
            "applications": [{"id": a.id, "project": a.project, "organisation": a.organisation,
                              "department": a.department, "step": a.step, "status": a.status}
                             for a in edition.applications],
            "laureates": [{"id": lt.id, "project": lt.project, "organisations": lt.organisations,
                           "department": lt.department, "city": lt.city, "purpose": lt.purpose, "path": lt.path,
                           "parrains": lt.parrains} for lt in edition.laureates]}


@click.group()
def programmes():
    """Programmes: editions, calls in steps, selection committee, laureates, reports and review."""


@programmes.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json):
    """The programme definitions and their editions."""
    from sqlalchemy import select

    from ..programmes.models import Edition

    rt = runtime()
    with rt.transaction() as session:
        editions = session.scalars(select(Edition).order_by(Edition.programme_id, Edition.starts_on)).all()
        rows = [{"id": p.id, "title": p.title.fr, "cadence": p.editions.cadence,
                 "editions": [{"id": e.id, "label": e.label, "status": e.status} for e in editions
                              if e.programme_id == p.id]} for p in _catalog()]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        editions = ", ".join(f"{e['label']} [{e['id']}, {e['status']}]" for e in row["editions"]) or "no edition"
        click.echo(f"{row['id']:<26} {row['title']}  ({editions})")


@programmes.command("open-edition")
@click.argument("programme_id")
@click.option("--label", required=True, help="Promotion 2027, Cycle 2027-2029...")
@click.option("--starts", required=True, help="First day (YYYY-MM-DD).")
@click.option("--by", "by", help="Who acts (for the record).")
@click.option("--json", "as_json", is_flag=True)
def open_edition(programme_id, label, starts, by, as_json):
    """Open an edition of a programme (in draft until its call is published)."""
    from ..programmes import operations as ops

    programme = _programme(programme_id)
    with runtime().transaction() as session:
        edition = ops.open_edition(session, programme, label=label, starts_on=starts, actor=actor_from(by),
                                   now=now_utc())
        data = describe_edition(programme, edition)
    echo_json(data) if as_json else click.echo(f"edition {data['id']} opened: {data['label']} ({data['status']})")


@programmes.command()
@click.argument("edition_id")
@click.option("--json", "as_json", is_flag=True)
def show(edition_id, as_json):
    """An edition: its call's steps and windows, applications, laureates."""
    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        data = describe_edition(programme, edition)
    if as_json:
        echo_json(data)
        return
    click.echo(f"{programme.title.fr} - {data['label']} [{data['id']}] {data['status']}")
    for step in data["steps"]:
        click.echo(f"  step {step['id']}: {step['opens'] or '-'} .. {step['closes'] or '-'}")
    for a in data["applications"]:
        click.echo(f"  application {a['id']}: {a['project']} ({a['organisation']}, {a['department']}) {a['status']}")
    for lt in data["laureates"]:
        click.echo(f"  laureate {lt['id']}: {lt['project']} ({', '.join(lt['organisations'])}, {lt['department']})")


@programmes.command("weight")
@click.argument("edition_id")
@click.argument("criterion")
@click.argument("weight")
def weight(edition_id, criterion, weight):
    """Change a criterion's weight before the call is published."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        _, edition = _edition(session, edition_id)
        ops.set_weight(session, edition, criterion, weight, actor=actor_from(None), now=now_utc())
    click.echo(f"{criterion}: weight {weight}")


@programmes.command()
@click.argument("edition_id")
@click.option("--on", "published_on", required=True, help="Publication day (YYYY-MM-DD).")
@click.option("--by", "by")
def publish(edition_id, published_on, by):
    """Publish the edition's call: each step's window counts from this day."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        ops.publish_call(session, programme, edition, published_on=published_on, actor=actor_from(by), now=now_utc())
        windows = ops.step_windows(programme, edition)
    for w in windows:
        click.echo(f"{w['step'].id}: {w['opens']} .. {w['closes']}")


@programmes.command()
@click.argument("edition_id")
@click.option("--answer", "answers", multiple=True, help="FIELD=VALUE, for each question of the first step.")
@click.option("--received", help="Day received (YYYY-MM-DD, default today).")
@click.option("--by", "by")
@click.option("--json", "as_json", is_flag=True)
def apply(edition_id, answers, received, by, as_json):
    """Record an expression of interest (the call's first step)."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.add_application(session, programme, edition, answers=_pairs(answers, "--answer"),
                                  actor=actor_from(by), now=now_utc(), received_on=received)
        data = {"id": row.id, "project": row.project, "step": row.step, "status": row.status}
    echo_json(data) if as_json else click.echo(f"application {data['id']}: {data['project']} ({data['status']})")


@programmes.command("request-full-file")
@click.argument("edition_id")
@click.argument("application_id")
def request_full_file(edition_id, application_id):
    """Shortlist an expression of interest: its authors are asked for the full file."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.get_application(session, edition, application_id)
        ops.request_full_file(session, programme, edition, row, actor=actor_from(None), now=now_utc())
        click.echo(f"application {row.id}: {row.status} ({row.step})")


@programmes.command("full-file")
@click.argument("edition_id")
@click.argument("application_id")
@click.option("--answer", "answers", multiple=True, help="FIELD=VALUE; the earlier answers are carried over.")
@click.option("--received", help="Day received (YYYY-MM-DD, default today).")
def full_file(edition_id, application_id, answers, received):
    """Record a shortlisted application's full file."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.get_application(session, edition, application_id)
        ops.submit_full_file(session, programme, edition, row, answers=_pairs(answers, "--answer"),
                             actor=actor_from(None), now=now_utc(), received_on=received)
        click.echo(f"application {row.id}: {row.status}")


@programmes.command()
@click.argument("edition_id")
@click.argument("application_id")
@click.option("--member", required=True, help="The committee member who scores.")
@click.option("--score", "scores", multiple=True, required=True, help="CRITERION=SCORE")
def score(edition_id, application_id, member, scores):
    """Record a committee member's scores of a complete application."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.get_application(session, edition, application_id)
        ops.score(session, programme, edition, row, member=member, scores=_pairs(scores, "--score"),
                  actor=actor_from(None), now=now_utc())
    click.echo(f"application {application_id}: scored by {member}")


@programmes.command()
@click.argument("edition_id")
@click.option("--json", "as_json", is_flag=True)
def ranking(edition_id, as_json):
    """The complete applications by weighted score."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        rows = ops.ranking(programme, edition)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['rank']:>3}. {r['score']:>5}  {r['project']} ({r['organisation']}), {r['members']} members")


@programmes.command()
@click.argument("edition_id")
@click.option("--kind", required=True, help="selection, collective_day, co_development, event, follow_up")
@click.option("--at", "at", required=True, help="Start (YYYY-MM-DDTHH:MM, Paris time).")
@click.option("--key", help="The collective day's or event's id.")
@click.option("--laureate", "laureate_id", help="For a follow-up: the laureate.")
def meeting(edition_id, kind, at, key, laureate_id):
    """Schedule a meeting of the edition."""
    from ..clock import parse_instant
    from ..programmes import operations as ops

    try:
        starts = parse_instant(at)
    except ValueError:
        raise CliError(f"--at: '{at}' is not a date and time (YYYY-MM-DDTHH:MM)") from None
    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        laureate = ops.get_laureate(session, edition, laureate_id) if laureate_id else None
        row = ops.schedule_meeting(session, programme, edition, kind=kind, starts_dt=starts, now=now_utc(), key=key,
                                   laureate=laureate)
        click.echo(f"meeting {row.id}: {kind} on {starts.isoformat()}")


@programmes.command()
@click.argument("edition_id")
@click.argument("meeting_id")
@click.option("--present", multiple=True, help="A committee seat present (repeat).")
@click.option("--missed", is_flag=True, help="A follow-up that did not take place.")
def held(edition_id, meeting_id, present, missed):
    """Mark a meeting as held (with the seats present), or a follow-up as missed."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.get_meeting(session, edition, meeting_id)
        ops.mark_held(session, programme, row, present=present, now=now_utc(), missed=missed)
        click.echo(f"meeting {row.id}: {row.status}")


@programmes.command("select")
@click.argument("edition_id")
@click.argument("application_ids", nargs=-1, required=True)
@click.option("--meeting", "meeting_id", required=True, help="The held selection meeting.")
@click.option("--text", help="The committee's reasons.")
@click.option("--by", "by")
def select_(edition_id, application_ids, meeting_id, text, by):
    """Record the selection as the decision of a held committee meeting; the chosen become laureates."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = ops.get_meeting(session, edition, meeting_id)
        decision = ops.select_laureates(session, programme, edition, row, application_ids, actor=actor_from(by),
                                        now=now_utc(), text=text)
        click.echo(f"selection: {decision.value}")


@programmes.command()
@click.argument("edition_id")
@click.argument("laureate_id")
@click.option("--period", required=True, help="2027-Q1, 2027-H2, 2027-03 or 2027, after the programme.")
@click.option("--value", "values", multiple=True, required=True, help="INDICATOR=COUNT")
@click.option("--comment")
@click.option("--by", "by")
def report(edition_id, laureate_id, period, values, comment, by):
    """Record a laureate's counts for one period (aggregates only)."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        laureate = ops.get_laureate(session, edition, laureate_id)
        ops.report(session, programme, edition, laureate, period=period, values=_pairs(values, "--value"),
                   actor=actor_from(by), now=now_utc(), comment=comment)
    click.echo(f"laureate {laureate_id}: {period} reported")


@programmes.command()
@click.argument("edition_id")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, screened as on screen.")
@CSV_FORM_OPTION
@click.option("--json", "as_json", is_flag=True)
def figures(edition_id, as_csv, csv_form, as_json):
    """The edition's figures: totals, each laureate, each period (small counts of people as <5)."""
    from ..csvfile import form_named, write_csv
    from ..programmes.queries import FIGURES_HEADER, figures as read, figures_rows

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        rows = read(session, programme, [edition.id], {lt.id: lt.project for lt in edition.laureates})
    for row in rows:
        row.pop("raw_total")
    if as_csv:
        click.echo(write_csv(FIGURES_HEADER, figures_rows(rows), form_named(csv_form)).decode("utf-8"), nl=False)
    elif as_json:
        echo_json(rows)
    else:
        for row in rows:
            click.echo(f"{row['label']}: {row['total']}")
            for line in row["lines"]:
                click.echo(f"  {line['project']}: {line['count']}")


@programmes.command("review")
@click.argument("edition_id")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "docx"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def review(edition_id, fmt, output, lang):
    """Render the edition's review ("bilan") from its data."""
    from pathlib import Path

    from ..programmes.review import render_review

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        data = render_review(session, programme, edition, fmt=fmt, lang=lang)
    Path(output).write_bytes(data)
    click.echo(f"review written to {output}")


@programmes.command("member")
@click.argument("programme_id")
@click.argument("email")
@click.argument("role")
@click.option("--edition", "edition_id", help="For a committee member: the edition.")
@click.option("--laureate", "laureate_id", help="For a laureate account: its laureate (with --edition).")
@click.option("--seat", help="For a committee member: the seat held.")
def member(programme_id, email, role, edition_id, laureate_id, seat):
    """Give an account a part in a programme: staff, committee, laureate or funder."""
    from sqlalchemy import func, select

    from ..accounts.models import User
    from ..programmes import operations as ops

    programme = _programme(programme_id)
    with runtime().transaction() as session:
        user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise CliError(f"{email}: no such account (create it with `setupflow user create`)")
        edition = ops.get_edition(session, edition_id, programme.id) if edition_id else None
        laureate = ops.get_laureate(session, edition, laureate_id) if laureate_id and edition else None
        ops.add_member(session, programme, user.id, role, now=now_utc(), edition=edition, laureate=laureate, seat=seat)
    click.echo(f"{email}: {role} of {programme_id}")


@programmes.command("plan")
@click.argument("edition_id")
@click.option("--starts", required=True, help="First day of the accompaniment (YYYY-MM-DD).")
def plan(edition_id, starts):
    """Plan the accompaniment: collective days, events, co-development sessions and follow-ups."""
    from ..programmes import operations as ops

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        meetings = ops.plan_accompaniment(session, programme, edition, starts_on=starts, now=now_utc())
        click.echo(f"{len(meetings)} meetings planned")


# -- the edition's meetings (``programmes.meetings``) ------------------------------------------
def describe_meeting(meeting) -> dict:
    return {"id": meeting.id, "kind": meeting.committee_id, "topic": meeting.topic, "laureate": meeting.laureate_id,
            "status": meeting.status, "starts": meeting.starts_dt.isoformat(), "minutes": meeting.duration_minutes,
            "place": meeting.place, "video_url": meeting.video_url, "uid": meeting.uid, "sequence": meeting.sequence,
            "seats_present": meeting.seats_present,
            "invited": [{"email": a.email, "name": a.name, "attendance": a.attendance} for a in meeting.attendees]}


@programmes.command("meetings")
@click.argument("edition_id")
@click.option("--kind", help="Only this kind (selection, collective_day, co_development, event, follow_up).")
@click.option("--json", "as_json", is_flag=True)
def meetings_(edition_id, kind, as_json):
    """The edition's meetings, with their invitees and attendance."""
    from ..programmes import meetings as pm

    with runtime().transaction() as session:
        _programme_, edition = _edition(session, edition_id)
        rows = [describe_meeting(m) for m in pm.meetings_of(session, edition, kind=kind)]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['starts'][:16]}  {row['kind']:<15} {row['topic'] or '':<16} "
                   f"{row['status']:<17} {len(row['invited'])} invited")


@programmes.command("move")
@click.argument("edition_id")
@click.argument("meeting_id")
@click.option("--at", "at", required=True, help="New start (YYYY-MM-DDTHH:MM, Paris time).")
def move(edition_id, meeting_id, at):
    """Move a meeting: those already invited get the update."""
    from ..programmes import meetings as pm

    with runtime().transaction() as session:
        _programme_, edition = _edition(session, edition_id)
        row = pm.move(session, pm.get_meeting(session, edition, meeting_id), at, now_utc())
        click.echo(f"meeting {row.id}: {row.starts_dt.isoformat()} (sequence {row.sequence})")


@programmes.command("cancel")
@click.argument("edition_id")
@click.argument("meeting_id")
@click.option("--reason")
def cancel(edition_id, meeting_id, reason):
    """Cancel a meeting: those invited get the cancellation."""
    from ..programmes import meetings as pm

    with runtime().transaction() as session:
        _programme_, edition = _edition(session, edition_id)
        row = pm.cancel(session, pm.get_meeting(session, edition, meeting_id), now_utc(), reason)
        click.echo(f"meeting {row.id}: {row.status}")


@programmes.command("minutes")
@click.argument("edition_id")
@click.argument("meeting_id")
@click.option("--file", "source", type=click.File("r", encoding="utf-8"), required=True,
              help="The minutes (Markdown); - reads standard input.")
@click.option("--based-on", type=int, default=None, help="The version they were written from (default: the current).")
@click.option("--by", "by")
def minutes(edition_id, meeting_id, source, based_on, by):
    """Save a new version of a meeting's minutes."""
    from ..committees.minutes import minutes_version
    from ..programmes import meetings as pm

    with runtime().transaction() as session:
        _programme_, edition = _edition(session, edition_id)
        row = pm.get_meeting(session, edition, meeting_id)
        version = minutes_version(session, row) if based_on is None else based_on
        revision = pm.save_minutes(session, row, source.read(), version, actor_from(by), now_utc())
        click.echo(f"meeting {row.id}: minutes version {revision.version}")


@programmes.command("invitation")
@click.argument("edition_id")
@click.argument("meeting_id")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr")
def invitation(edition_id, meeting_id, lang):
    """Print a meeting's invitation (.ics), the event its e-mails carry."""
    from .. import ics
    from ..programmes import meetings as pm
    from ..programmes.models import Laureate

    with runtime().transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = pm.get_meeting(session, edition, meeting_id)
        name = session.get(Laureate, row.laureate_id).project if row.laureate_id else None
        fields = ics.meeting_fields(row, pm.title(programme, row, lang, name),
                                    "\n".join(f"{i}. {a.title}" for i, a in enumerate(row.agenda, 1)) or None)
        sender = runtime().settings.mail_sender.rpartition("<")[2].strip(" >")
        data = ics.invitation(fields, method="CANCEL" if row.status == "cancelled" else "REQUEST", stamp=now_utc(),
                              attendees=[ics.Attendee(a.email, a.name) for a in row.attendees], organizer=sender)
    click.echo(data.decode(), nl=False)
@programmes.command("conflict")
@click.argument("edition_id")
@click.argument("application_id")
@click.option("--member", required=True, help="The committee member who declares it (as they score).")
@click.option("--reason", help="Why (kept with the declaration).")
@click.option("--by", "by", help="Who acts (for the record).")
def programme_conflict(edition_id, application_id, member, reason, by):
    """Record a committee member's conflict of interest on an application: they cannot score it."""
    from ..programmes import operations as ops
    from ..reviews.conflicts import declare

    with runtime().transaction() as session:
        _programme, edition = _edition(session, edition_id)
        declare(session, member, programme_application=ops.get_application(session, edition, application_id),
                actor_name=actor_from(by).name, now=now_utc(), reason=reason)
    click.echo(f"conflict of interest of {member} on application {application_id} recorded")


@programmes.command("attach")
@click.argument("edition_id")
@click.argument("application_id")
@click.argument("field")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "by", help="Who acts (for the record).")
def attach(edition_id, application_id, field, path, by):
    """Attach a file to an application (a file question of its step; PDF, images, office files; checked by content)."""
    from pathlib import Path

    from ..applicants.operations import attach_programme_file
    from ..programmes import operations as ops

    rt = runtime()
    data = Path(path).read_bytes()
    with rt.transaction() as session:
        programme, edition = _edition(session, edition_id)
        row = attach_programme_file(session, programme, ops.get_application(session, edition, application_id),
                                    field=field, data_dir=rt.settings.data_dir, original_name=Path(path).name,
                                    data=data, actor=actor_from(by), now=now_utc())
        content_type = row.content_type
    click.echo(f"file attached ({content_type})")
