"""``setupflow calls`` (continued): applications, their files, scores, ranking and selection."""
from __future__ import annotations

from pathlib import Path

import click

from .commands import KIND_OPTION, calls, load_call, parse_pairs
from ..inputs import DAY
from ..common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime


@calls.command("apply")
@click.argument("site_id")
@click.option("--organisation", required=True, help="The applying organisation.")
@click.option("--legal-status", required=True, help="Its legal status (association, SCIC...).")
@click.option("--structure-type", help="The structure type it proposes (SIAE-ACI, EA...).")
@click.option("--activity", required=True, help="The activity proposed.")
@click.option("--received-on", type=DAY, help="Day received (YYYY-MM-DD; default today).")
@KIND_OPTION
@AS_OPTION
@JSON_OPTION
def apply_(site_id, organisation, legal_status, structure_type, activity, received_on, call_key, actor, as_json):
    """Record an application to the call."""
    from ...calls.applications import add_application

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        row = add_application(session, site, call, organisation=organisation, legal_status=legal_status,
                              structure_type=structure_type, activity=activity, received_on=received_on,
                              actor=actor_from(actor), now=now_utc())
        row_id = row.id
    echo_json({"id": row_id}) if as_json else click.echo(f"application {row_id} recorded")


@calls.command()
@click.argument("site_id")
@click.argument("application_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@KIND_OPTION
@AS_OPTION
def attach(site_id, application_id, path, call_key, actor):
    """Attach a file to an application (PDF, images, office files; checked by content)."""
    from ...calls.applications import get_application
    from ...calls.files import attach_file

    rt = runtime()
    data = Path(path).read_bytes()
    with rt.transaction() as session:
        site, call = load_call(session, site_id, call_key)
        row = attach_file(session, site, get_application(session, call, application_id),
                          data_dir=rt.settings.data_dir, original_name=Path(path).name, data=data,
                          actor=actor_from(actor), now=now_utc())
        content_type = row.content_type
    click.echo(f"file attached ({content_type})")


@calls.command()
@click.argument("site_id")
@click.argument("application_id")
@click.option("--member", required=True,
              help="The committee member who scores: a person of the team file (id from `setupflow people list`, "
                   "or exact name) who sits on the committee that selects.")
@click.option("--score", "scores", multiple=True, required=True, metavar="CRITERION=N",
              help="A score per criterion (repeat), e.g. --score social_utility=4.")
@KIND_OPTION
@AS_OPTION
def score(site_id, application_id, member, scores, call_key, actor):
    """Record a committee member's scores for an application."""
    from ...calls.applications import get_application, score as score_application

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        rows = score_application(session, site, call, get_application(session, call, application_id),
                                 member=member, scores=parse_pairs(scores, "score"), actor=actor_from(actor),
                                 now=now_utc())
        name = rows[0].member_name
    click.echo(f"{len(scores)} scores recorded for {name}")


@calls.command()
@click.argument("site_id")
@KIND_OPTION
@JSON_OPTION
def ranking(site_id, call_key, as_json):
    """The applications ranked by weighted score."""
    from ...calls.queries import ranking as rank

    with runtime().transaction() as session:
        rows = rank(load_call(session, site_id, call_key)[1])
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        flag = " (selected)" if r["is_selected"] else ""
        partial = f", partial sheets not counted: {', '.join(r['partial'])}" if r["partial"] else ""
        if r["before_rule"]:
            partial += f", counted sheets recorded before the rule: {', '.join(r['before_rule'])}"
        click.echo(f"{r['rank']:>3}. {r['score']:>5}  {r['organisation']} [{r['members']} members{partial}]{flag}")


@calls.command("select")
@click.argument("site_id")
@click.argument("application_ids", nargs=-1, required=True)
@click.option("--text", help="The decision as written in the record.")
@click.option("--supersede", "reason", help="Reason, when this replaces a selection already made.")
@click.option("--meeting", "meeting_id", metavar="ID",
              help="The held committee meeting that selected (required when the definition names the committee).")
@KIND_OPTION
@AS_OPTION
def select_(site_id, application_ids, text, reason, meeting_id, call_key, actor):
    """Record the committee's selection (the sponsor, or the cohort)."""
    from ...calls.applications import select_applications

    with runtime().transaction() as session:
        site, call = load_call(session, site_id, call_key)
        decision = select_applications(session, site, call, list(application_ids), text=text,
                                       supersede_reason=reason, actor=actor_from(actor), now=now_utc(),
                                       meeting=meeting_id)
        key, value = decision.key, decision.value
    click.echo(f"decision {key} = {value}")
