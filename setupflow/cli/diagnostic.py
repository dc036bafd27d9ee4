"""``setupflow diagnostic``: sources, aggregate indicators, interviews, initiatives, conclusions."""
from __future__ import annotations

import click

from .inputs import CSV_FORM_OPTION, DAY, WHOLE, checked_text
from .common import AS_OPTION, JSON_OPTION, actor_from, echo_json, now_utc, runtime

LANG_OPTION = click.option("--lang", type=click.Choice(["fr", "en"], case_sensitive=False), default="fr", show_default=True,
                           help="Language of the labels.")


@click.group()
def diagnostic():
    """The diagnostic of a site: data sources, aggregates, interviews and conclusions."""


def _site(session, site_id):
    from ..sites.operations import get_site

    return get_site(session, site_id)


@diagnostic.command()
@click.argument("site_id")
@LANG_OPTION
@JSON_OPTION
def show(site_id, lang, as_json):
    """Show the diagnostic (small counts are shown as <5)."""
    from ..diagnostic.queries import summary

    with runtime().transaction() as session:
        data = summary(session, _site(session, site_id), lang)
    if as_json:
        echo_json(data)
        return
    click.echo("sources:")
    for s in data["sources"]:
        extra = f" {s['obtained_on']} ({s['provider'] or '-'})" if s["status"] == "obtained" else ""
        click.echo(f"  {s['status']:<12} {s['key']:<22} {s['label']}{extra}")
    for table in data["indicators"]:
        cells = ", ".join(f"{c['label']}: {c['count']}" for c in table["cells"])
        click.echo(f"{table['label']}: {cells} (total {table['total']})")
    click.echo(f"interviews: {len(data['interviews'])}; themes: "
               + (", ".join(f"{k} ({n})" for k, n in data["themes"].items()) or "-"))
    click.echo(f"initiatives: {len(data['initiatives'])}")
    click.echo(f"starting hypotheses: {len(data['hypotheses'])}")
    for h in data["hypotheses"]:
        found = f" - {h['finding']}" if h["finding"] else ""
        click.echo(f"  {h['id']:>4} {h['status']:<9} {h['statement']}{found}")
    click.echo(f"conclusions: {'written' if data['conclusions'] else 'not written'}")


@diagnostic.command()
@click.argument("site_id")
@click.argument("key")
@click.option("--status", required=True, type=click.Choice(["to_request", "requested", "obtained", "unavailable"], case_sensitive=False),
              help="Where the source stands.")
@click.option("--obtained-on", type=DAY, help="When the data was obtained (YYYY-MM-DD); needed with --status obtained.")
@click.option("--provider", help="The service or role that provided it.")
@click.option("--note", help="A note (no personal data).")
@AS_OPTION
def source(site_id, key, status, obtained_on, provider, note, actor):
    """Set where a data source of the checklist stands, e.g. `source 3 registry --status requested`."""
    from ..diagnostic.operations import set_source

    with runtime().transaction() as session:
        set_source(session, _site(session, site_id), key, status=status, obtained_on=obtained_on, provider=provider,
                   note=note, actor=actor_from(actor), now=now_utc())
    click.echo(f"source {key}: {status}")


@diagnostic.command()
@click.argument("site_id")
@click.argument("dimension")
@click.option("--count", "counts", multiple=True, required=True, metavar="CATEGORY=N",
              help="A count per category (repeat), e.g. --count under_25=12.")
@click.option("--label", help="Label of a dimension the definition does not list.")
@click.option("--source", "source_key", help="The source the figures come from (a source key).")
@click.option("--as-of", type=DAY, help="The month the figures describe (YYYY-MM-DD, kept as the month).")
@AS_OPTION
def indicator(site_id, dimension, counts, label, source_key, as_of, actor):
    """Record an aggregate indicator: counts per category, never one row per person."""
    from ..diagnostic.operations import set_indicator

    with runtime().transaction() as session:
        set_indicator(session, _site(session, site_id), dimension, list(counts), label=label, source_key=source_key,
                      as_of_on=as_of, actor=actor_from(actor), now=now_utc())
    click.echo(f"indicator {dimension}: {len(counts)} categories")


@diagnostic.command()
@click.argument("site_id")
@click.option("--on", "held_on", required=True, type=DAY, help="Day the interview was held (YYYY-MM-DD).")
@click.option("--audience", required=True, type=click.Choice(["professionals", "detainees"], case_sensitive=False), help="Who was heard.")
@click.option("--format", "format_", required=True, type=click.Choice(["individual", "group"], case_sensitive=False),
              help="Individual or group interview.")
@click.option("--participants", type=WHOLE, default=1, show_default=True, help="How many took part.")
@click.option("--theme", "themes", multiple=True, required=True, help="A theme raised (repeat). Never a name.")
@click.option("--summary", help="A short summary (no personal data).")
@AS_OPTION
def interview(site_id, held_on, audience, format_, participants, themes, summary, actor):
    """Log an interview held: audience, format, number of participants and themes."""
    from ..diagnostic.operations import log_interview

    with runtime().transaction() as session:
        row = log_interview(session, _site(session, site_id), held_on=held_on, audience=audience, format=format_,
                            participants=participants, themes=list(themes), summary=summary,
                            actor=actor_from(actor), now=now_utc())
        row_id = row.id
    click.echo(f"interview {row_id} logged")


@diagnostic.command()
@click.argument("site_id")
@click.option("--name", required=True, help="Name of the initiative or organisation.")
@click.option("--kind", required=True, help="Kind of initiative (see the definition: work, training...).")
@click.option("--description", help="What it does.")
@AS_OPTION
def initiative(site_id, name, kind, description, actor):
    """Map an initiative that already exists on the territory."""
    from ..diagnostic.operations import add_initiative

    with runtime().transaction() as session:
        add_initiative(session, _site(session, site_id), name=name, kind=kind, description=description,
                       actor=actor_from(actor), now=now_utc())
    click.echo(f"initiative '{name}' added")


@diagnostic.command()
@click.argument("site_id")
@click.argument("statement")
@AS_OPTION
def hypothesis(site_id, statement, actor):
    """Record a starting hypothesis that the diagnostic is to confirm or refute (it starts open)."""
    from ..diagnostic.operations import add_hypothesis

    with runtime().transaction() as session:
        row_id = add_hypothesis(session, _site(session, site_id), statement,
                                actor=actor_from(actor), now=now_utc()).id
    click.echo(f"hypothesis {row_id} recorded (open)")


@diagnostic.command()
@click.argument("site_id")
@click.argument("hypothesis_id")
@click.argument("status", type=click.Choice(["confirmed", "refuted", "open"], case_sensitive=False))
@click.option("--finding", help="What the diagnostic found, from which sources (required unless open).")
@AS_OPTION
def settle(site_id, hypothesis_id, status, finding, actor):
    """Mark a starting hypothesis confirmed or refuted by the diagnostic, or open again."""
    from ..diagnostic.operations import settle_hypothesis

    with runtime().transaction() as session:
        settle_hypothesis(session, _site(session, site_id), hypothesis_id, status, finding=finding,
                          actor=actor_from(actor), now=now_utc())
    click.echo(f"hypothesis {hypothesis_id}: {status.lower()}")


@diagnostic.command()
@click.argument("site_id")
@click.option("--text", help="The conclusions.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), help="Read the conclusions from a file.")
@AS_OPTION
def conclusions(site_id, text, path, actor):
    """Write the diagnostic's conclusions (meets the survey-conclusions task)."""
    from ..diagnostic.operations import write_conclusions
    from .common import CliError

    if bool(text) == bool(path):
        raise CliError("conclusions: give exactly one of --text or --file")
    if path:
        with open(path, encoding="utf-8") as f:
            text = checked_text(f.read(), "--file")
    with runtime().transaction() as session:
        write_conclusions(session, _site(session, site_id), text, actor=actor_from(actor), now=now_utc())
    click.echo("conclusions written")


@diagnostic.command()
@click.argument("site_id")
@click.argument("choice")
@click.option("--rationale", required=True, help="Why this structure type answers the needs found.")
@click.option("--supersede", "reason", help="Reason, when this replaces a choice already made.")
@click.option("--meeting", "meeting_id", metavar="ID",
              help="The held committee meeting that chose (required when the definition names the committee).")
@AS_OPTION
def structure(site_id, choice, rationale, reason, meeting_id, actor):
    """Record the structure-type choice (SIAE-ACI, SIAE-EI, EA, ESAT) with its rationale."""
    from ..diagnostic.operations import choose_structure

    with runtime().transaction() as session:
        decision = choose_structure(session, _site(session, site_id), choice, rationale, supersede_reason=reason,
                                    actor=actor_from(actor), now=now_utc(), meeting=meeting_id)
        decision_id = decision.id
    click.echo(f"decision {decision_id}: structure type {choice}")


@diagnostic.command()
@click.argument("site_id")
@LANG_OPTION
@CSV_FORM_OPTION
def export(site_id, lang, csv_form):
    """Print the indicators as CSV (small counts suppressed as on screen, formulas neutralised)."""
    from ..csvfile import form_named
    from ..diagnostic.queries import export_indicators_csv

    with runtime().transaction() as session:
        data = export_indicators_csv(session, _site(session, site_id), lang, form_named(csv_form))
    click.echo(data, nl=False)
