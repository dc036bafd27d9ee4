"""``setupflow meetings``: committee meetings of a site, from proposal to minutes."""
from __future__ import annotations

from pathlib import Path

import click

from .inputs import DAY, INSTANT, WHOLE, checked_text
from .common import AS_OPTION, JSON_OPTION, CliError, actor_from, echo_json, now_utc, runtime


def meeting_dict(m) -> dict:
    from ..committees.summary import describe_meeting

    return describe_meeting(m)


def _print(rows):
    for r in rows:
        working = " (working)" if r["is_working_meeting"] else ""
        click.echo(f"{r['id']:>5}  {r['at']:%Y-%m-%d %H:%M}  {r['committee']:<12} {r['status']:<16}{working}")


@click.group()
def meetings():
    """Committee meetings: proposals from the cadence, scheduling, moves, minutes."""


@meetings.command()
@click.argument("site_id")
@click.option("--confirm", is_flag=True, help="Confirm every proposal at once.")
@AS_OPTION
@JSON_OPTION
def propose(site_id, confirm, actor, as_json):
    """Propose the committees' meetings until the target opening (replaces unconfirmed proposals)."""
    from ..committees.operations import confirm as confirm_meeting
    from ..committees.proposals import propose as propose_meetings
    from ..sites.operations import get_site

    now, who = now_utc(), actor_from(actor)
    with runtime().transaction() as session:
        created = propose_meetings(session, get_site(session, site_id), now, who)
        if confirm:
            for m in created:
                confirm_meeting(session, m, who, now)
        rows = [meeting_dict(m) for m in created]
    if as_json:
        echo_json(rows)
    else:
        _print(rows)
        click.echo(f"{len(rows)} meetings {'confirmed' if confirm else 'proposed'}")


@meetings.command("list")
@click.argument("site_id")
@click.option("--committee", help="Only this committee.")
@JSON_OPTION
def list_(site_id, committee, as_json):
    """List a site's meetings, earliest first."""
    from ..committees.operations import meetings_of
    from ..sites.operations import get_site

    with runtime().transaction() as session:
        rows = [meeting_dict(m) for m in meetings_of(session, get_site(session, site_id), committee_id=committee)]
    echo_json(rows) if as_json else _print(rows)


@meetings.command()
@click.argument("meeting_id")
@click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True)
@JSON_OPTION
def show(meeting_id, lang, as_json):
    """Show a meeting: date, roles, invitees and attendance, agenda, minutes version."""
    from ..committees.summary import describe_meeting

    with runtime().transaction() as session:
        data = describe_meeting(_meeting(session, meeting_id), lang, session)
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['committee_label']} - {data['at']:%Y-%m-%d %H:%M} ({data['status']}, sequence "
               f"{data['sequence']})")
    click.echo(f"place: {data['place'] or '-'}  video: {data['video_url'] or '-'}")
    for role, held in data["roles"].items():
        click.echo(f"  {role}: {held['name']}")
    for item in data["agenda"]:
        click.echo(f"  - {item}")
    click.echo(f"invited: {', '.join(i['name'] for i in data['invited']) or '-'}; "
               f"minutes version {data['minutes_version']}")


@meetings.command()
@click.argument("site_id")
@click.option("--committee", required=True, help="Committee id, e.g. technical.")
@click.option("--at", "at", required=True, type=INSTANT, help="Start, YYYY-MM-DDTHH:MM (Paris time unless an offset is given).")
@click.option("--duration", type=WHOLE, help="Duration in minutes (default: the committee's).")
@click.option("--place", help="Where it takes place.")
@click.option("--video", help="Video-conference link (http/https).")
@AS_OPTION
@JSON_OPTION
def schedule(site_id, committee, at, duration, place, video, actor, as_json):
    """Schedule a meeting; the committee's members are invited."""
    from ..committees.operations import schedule as schedule_meeting
    from ..sites.operations import get_site

    now = now_utc()
    with runtime().transaction() as session:
        m = schedule_meeting(session, get_site(session, site_id), committee, at, actor_from(actor), now,
                             duration_minutes=duration, place=place, video_url=video)
        out = meeting_dict(m)
    if as_json:
        echo_json(out)
    else:
        click.echo(f"meeting {out['id']} scheduled on {out['at']:%Y-%m-%d %H:%M}")


def _meeting(session, meeting_id):
    from ..committees.operations import get_meeting

    return get_meeting(session, meeting_id)


@meetings.command()
@click.argument("meeting_id")
@AS_OPTION
def confirm(meeting_id, actor):
    """Confirm a proposed meeting."""
    from ..committees.operations import confirm as confirm_meeting

    with runtime().transaction() as session:
        confirm_meeting(session, _meeting(session, meeting_id), actor_from(actor), now_utc())
    click.echo(f"meeting {meeting_id} confirmed")


@meetings.command()
@click.argument("meeting_id")
@click.option("--at", "at", required=True, type=INSTANT, help="New start, YYYY-MM-DDTHH:MM (Paris time).")
@click.option("--reason", help="Why it moves (kept in the history).")
@AS_OPTION
def move(meeting_id, at, reason, actor):
    """Move a meeting (a moved proposal counts as confirmed)."""
    from ..committees.operations import move as move_meeting

    with runtime().transaction() as session:
        m = move_meeting(session, _meeting(session, meeting_id), at, actor_from(actor), now_utc(), reason)
        seq = m.sequence
    click.echo(f"meeting {meeting_id} moved (sequence {seq})")


@meetings.command()
@click.argument("meeting_id")
@click.option("--reason", help="Why it is cancelled.")
@AS_OPTION
def cancel(meeting_id, reason, actor):
    """Cancel a proposed or scheduled meeting."""
    from ..committees.operations import cancel as cancel_meeting

    with runtime().transaction() as session:
        cancel_meeting(session, _meeting(session, meeting_id), actor_from(actor), now_utc(), reason)
    click.echo(f"meeting {meeting_id} cancelled")


@meetings.command()
@click.argument("meeting_id")
@click.option("--file", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Markdown file with the minutes ('-' for stdin).")
@click.option("--based-on", type=WHOLE, default=0, show_default=True,
              help="The minutes version your text starts from (0 when there are none yet).")
@AS_OPTION
@JSON_OPTION
def minutes(meeting_id, path, based_on, actor, as_json):
    """Save the minutes of a meeting; refused if someone saved since --based-on."""
    from ..committees.minutes import save_minutes

    try:
        body = checked_text(click.get_text_stream("stdin").read() if str(path) == "-"
                            else path.read_text(encoding="utf-8"), "--file")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"file: cannot read {path}: {exc}") from None
    with runtime().transaction() as session:
        rev = save_minutes(session, _meeting(session, meeting_id), body, based_on, actor_from(actor), now_utc())
        out = {"meeting": int(meeting_id), "version": rev.version}
    echo_json(out) if as_json else click.echo(f"minutes of meeting {meeting_id} saved as version {out['version']}")


@meetings.command()
@click.argument("site_id")
@click.option("--opening", required=True, type=DAY, help="New target opening date (YYYY-MM-DD).")
@click.option("--reason", help="Why the plan moves.")
@click.option("--confirm", is_flag=True, help="Keep a target opening earlier than the method allows from where "
                                              "the site stands (recorded as such).")
@AS_OPTION
@JSON_OPTION
def replan(site_id, opening, reason, confirm, actor, as_json):
    """Move the target opening; unconfirmed proposals follow, confirmed meetings stay."""
    from ..committees.proposals import change_target_opening
    from ..sites.operations import get_site

    with runtime().transaction() as session:
        rows = [meeting_dict(m) for m in change_target_opening(session, get_site(session, site_id), opening,
                                                               actor_from(actor), now_utc(), reason,
                                                               confirmed=confirm)]
    echo_json(rows) if as_json else click.echo(f"target opening set to {opening}; {len(rows)} proposals")


def _register_outcomes():
    from .meeting_outcomes import COMMANDS

    for command in COMMANDS:
        meetings.add_command(command)


_register_outcomes()
