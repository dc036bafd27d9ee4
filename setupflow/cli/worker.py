"""``setupflow worker``, ``setupflow outbox`` and ``setupflow feeds``."""
from __future__ import annotations

import logging

import click

from .inputs import TIME, WHOLE
from .common import CliError, echo_json, now_utc, runtime


def parse_now(value: str | None):
    if value is None:
        return now_utc()
    from ..inputs import instant

    return instant(value, "--now")


@click.command()
@click.option("--once", is_flag=True, help="Run one planning pass and one sweep, then exit (for cron and tests).")
@click.option("--now", "now_text", metavar="ISO-DATETIME",
              help="With --once: act as if it were this instant (Paris time unless an offset is given).")
def worker(once, now_text):
    """Send reminders when they are due. Without --once, runs until SIGTERM."""
    from ..reminders.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if now_text and not once:
        raise CliError("--now: only with --once (a running worker follows the real clock)")
    rt = runtime()
    rt.require_schema()
    if not rt.settings.smtp_host:
        click.echo("warning: SETUPFLOW_SMTP_HOST is not set: reminders stay in the outbox, unsent "
                   "(see `setupflow outbox list`)", err=True)
    with Worker(rt.settings) as w:
        if not once:
            w.run_forever()
            return
        plan, sent = w.once(parse_now(now_text))
    click.echo(f"planned: {plan.created} new, {plan.rescheduled} moved, {plan.withdrawn} withdrawn "
               f"({plan.sites} sites); sent: {sent.sent}, failed: {sent.failed}, dead: {sent.dead}, "
               f"expired: {sent.expired}, held unsent: {sent.held}")
    if plan.failed_sites:
        raise CliError(f"planning failed for {plan.failed_sites} site(s): see the log above")


@click.group()
def outbox():
    """Look at the e-mails setupflow sends or holds."""


@outbox.command("list")
@click.option("--state", type=click.Choice(["pending", "sending", "sent", "failed", "dead", "withdrawn"], case_sensitive=False),
              help="Only reminders in this state.")
@click.option("--site", "site_id", type=WHOLE, help="Only reminders of this site id.")
@click.option("--limit", default=200, show_default=True, help="At most this many, latest due first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def outbox_list(state, site_id, limit, as_json):
    """List reminders of the outbox."""
    from sqlalchemy import bindparam, select

    from ..reminders.models import DEAD_ROWS, UNSENT, UNSENT_ROWS, Reminder

    with runtime().transaction() as session:
        query = select(Reminder).order_by(Reminder.due_dt.desc(), Reminder.id.desc()).limit(limit)
        if state:  # inline (a choice of the list above), so SQLite can use a partial index
            query = query.where(Reminder.state == bindparam("state", state, literal_execute=True))
            # and each database's own partial index (PostgreSQL's are on ``queue``, not ``state``)
            if state == "dead":
                query = query.where(DEAD_ROWS)
            elif state in UNSENT:
                query = query.where(UNSENT_ROWS)
        if site_id is not None:
            query = query.where(Reminder.site_id == site_id)
        rows = [{"id": r.id, "state": r.state, "rule": r.rule, "subject": r.subject, "due": r.due_dt,
                 "recipient": r.recipient, "attempts": r.attempts, "sent": r.sent_dt,
                 "message_id": r.message_id, "error": r.last_error} for r in session.scalars(query)]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']:>6} {r['state']:<9} {r['due'].isoformat(timespec='minutes')} {r['rule']:<18} "
                   f"{r['recipient']:<32} {r['subject']}" + (f"  ({r['error']})" if r["error"] else ""))


@outbox.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def outbox_status(as_json):
    """Whether the reminder worker runs and succeeds; exit code 1 when it does not (a monitoring probe)."""
    from ..reminders.health import LATE_AFTER, worker_health

    now = now_utc()
    with runtime().transaction() as session:
        jobs = worker_health(session, now)
    if as_json:
        echo_json([{"job": j.job, "state": j.state, "last_ok": j.last_ok_dt, "last_failed": j.last_failed_dt,
                    "failures": j.failures, "error": j.last_error, "process": j.process} for j in jobs])
    for j in jobs if not as_json else ():
        line = {"never": "no worker has run it against this database (start `setupflow worker`)",
                "ok": f"last success {_minute(j.last_ok_dt)} ({j.process})",
                "late": f"no success for more than {int(LATE_AFTER[j.job].total_seconds() // 60)} minutes "
                        f"(last {_minute(j.last_ok_dt)}): is the worker running?",
                "failing": (f"{j.failures} run(s) failed since the last success ({_minute(j.last_ok_dt)})"
                            if j.last_ok_dt else f"{j.failures} run(s) failed and none has succeeded yet")
                           + f"; last at {_minute(j.last_failed_dt)}: {j.last_error}"}[j.state]
        click.echo(f"{j.job:<6} {j.state:<8} {line}")
    if not all(j.is_ok for j in jobs):
        raise click.exceptions.Exit(1)


def _minute(instant) -> str:
    return instant.isoformat(timespec="minutes") if instant else "never"


@outbox.command("digest")
@click.argument("email")
@click.option("--off", is_flag=True, help="Back to one e-mail per reminder.")
@click.option("--at", "digest_at", default="08:00", show_default=True, type=TIME, help="Local time of the daily digest (HH:MM).")
def outbox_digest(email, off, digest_at):
    """Gather an address's reminders into one e-mail a day (calendar invitations still go at once)."""
    from ..reminders.operations import set_digest

    with runtime().transaction() as session:
        pref = set_digest(session, email, not off, now_utc(), digest_at)
        state = f"one digest a day at {pref.digest_at}" if pref.is_digest else "one e-mail per reminder"
    click.echo(f"{pref.email}: {state} (applies from the next planning pass)")


@click.group()
def feeds():
    """Calendar feeds (iCalendar) for a person or a site, behind a secret address."""


@feeds.command("create")
@click.option("--person", help="A person: their id or e-mail address (their feed covers every site they are in).")
@click.option("--site", "site_id", help="A site id.")
def feeds_create(person, site_id):
    """Create a feed and print its address (shown once: only a hash is kept)."""
    from ..reminders.feeds import create_feed
    from ..sites.operations import get_site

    if (person is None) == (site_id is None):
        raise CliError("give either --person or --site")
    rt = runtime()
    with rt.transaction() as session:
        email = None
        if person is not None:
            email = person
            if person.isdigit():
                from ..db import row_id
                from ..team.models import Person

                row = session.get(Person, row_id(person)) if row_id(person) else None
                if row is None:
                    raise CliError(f"--person: no person {person}")
                email = row.email
        site = get_site(session, site_id) if site_id is not None else None
        token = create_feed(session, now_utc(), email=email, site=site)
    click.echo(f"{rt.settings.base_url.rstrip('/')}/feeds/{token}.ics")
    click.echo(f"token: {token}", err=True)


@feeds.command("revoke")
@click.argument("token")
def feeds_revoke(token):
    """Revoke a feed: its address answers 404 from now on."""
    from ..reminders.feeds import revoke_feed

    token = token.rpartition("/")[2].removesuffix(".ics")
    with runtime().transaction() as session:
        revoke_feed(session, token, now_utc())
    click.echo("feed revoked")
