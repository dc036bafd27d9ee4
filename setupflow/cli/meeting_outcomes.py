"""``setupflow meetings role|held|approve|decide|action``: what happens around a meeting."""
from __future__ import annotations

import click

from .inputs import DAY, WHOLE
from .common import AS_OPTION, actor_from, echo_json, now_utc, runtime


def _meeting(session, meeting_id):
    from ..committees.operations import get_meeting

    return get_meeting(session, meeting_id)


@click.command()
@click.argument("meeting_id")
@click.argument("role", type=click.Choice(["agenda", "invitations", "facilitation", "logistics"], case_sensitive=False))
@click.argument("person_id")
@AS_OPTION
def role(meeting_id, role, person_id, actor):
    """Give one of a meeting's four jobs to a person of the team file."""
    from ..committees.attendance import assign_role
    from ..team.operations import get_person

    with runtime().transaction() as session:
        assign_role(session, _meeting(session, meeting_id), role, get_person(session, person_id),
                    actor_from(actor), now_utc())
    click.echo(f"meeting {meeting_id}: {role} -> person {person_id}")


@click.command()
@click.argument("meeting_id")
@click.option("--present", multiple=True, type=WHOLE, help="Id of a person present (repeat).")
@click.option("--excused", multiple=True, type=WHOLE, help="Id of a person excused (repeat).")
@click.option("--absent", multiple=True, type=WHOLE, help="Id of a person absent (repeat).")
@AS_OPTION
def held(meeting_id, present, excused, absent, actor):
    """Record that a meeting took place, with its attendance."""
    from ..committees.attendance import mark_held

    attendance = {**{p: "absent" for p in absent}, **{p: "excused" for p in excused},
                  **{p: "present" for p in present}}
    with runtime().transaction() as session:
        mark_held(session, _meeting(session, meeting_id), attendance, actor_from(actor), now_utc())
    click.echo(f"meeting {meeting_id} held")


@click.command()
@click.argument("meeting_id")
@click.option("--version", type=WHOLE, required=True, help="The minutes version you read and approve.")
@AS_OPTION
def approve(meeting_id, version, actor):
    """Approve the minutes of a held meeting."""
    from ..committees.minutes import approve_minutes

    with runtime().transaction() as session:
        approve_minutes(session, _meeting(session, meeting_id), version, actor_from(actor), now_utc())
    click.echo(f"minutes of meeting {meeting_id} approved (version {version})")


@click.command()
@click.argument("meeting_id")
@click.argument("key")
@click.argument("value", required=False)
@click.option("--text", help="The decision as written in the minutes.")
@click.option("--supersede", "reason", help="Reason, when it replaces a decision already taken.")
@AS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def decide(meeting_id, key, value, text, reason, actor, as_json):
    """Record a decision of a meeting (KEY '-' for a free decision with --text)."""
    from ..committees.minutes import record_meeting_decision

    with runtime().transaction() as session:
        d = record_meeting_decision(session, _meeting(session, meeting_id), None if key == "-" else key, value,
                                    text, actor_from(actor), now_utc(), supersede_reason=reason)
        out = {"id": d.id, "key": d.key, "value": d.value, "meeting": d.meeting_id}
    echo_json(out) if as_json else click.echo(f"decision {out['id']} recorded for meeting {meeting_id}")


@click.command()
@click.argument("meeting_id")
@click.option("--text", required=True, help="What is to be done.")
@click.option("--owner", required=True, help="Id of the person who does it.")
@click.option("--due", type=DAY, help="Due date (YYYY-MM-DD).")
@AS_OPTION
def action(meeting_id, text, owner, due, actor):
    """Add an action item from a meeting."""
    from ..committees.actions import add_action
    from ..team.operations import get_person

    with runtime().transaction() as session:
        item = add_action(session, _meeting(session, meeting_id), text, get_person(session, owner),
                          actor_from(actor), now_utc(), due_on=due)
        item_id = item.id
    click.echo(f"action item {item_id} added")


COMMANDS = (role, held, approve, decide, action)
