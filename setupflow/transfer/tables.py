"""Which tables belong to a site, found by walking the model metadata.

A table is *site-owned* when it has a ``site_id`` foreign key to ``sites`` or a required
foreign key to another site-owned table (meeting roles through meetings, scores through
applications...). Every site-owned table is exported unless ``EXCLUDED`` says why not,
and every other table must be listed in ``NOT_SITE_DATA``: a test fails on a new table
that is in neither, so a new kind of site data cannot be forgotten silently.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table

from ..all_models import metadata

SITES = "sites"
SNAPSHOTS = "workflow_snapshots"

#: site-owned tables deliberately left out of an export, and why
EXCLUDED = {
    "reminders": "the outbox is rebuilt by the worker's planning from the imported site",
    "feed_tokens": "calendar feed tokens are secrets of one installation; create new feeds after an import",
    "user_sites": "accounts belong to one installation; assign the imported site to its users by hand",
    "programme_decisions": "programme data: decisions of an edition's committee, whose meetings are never a site's",
    "site_summaries": "the portfolio line is computed from the imported site, not carried",
    "feed_parts": "calendar feed text derived from the site's meetings and decisions, written again on demand",
}

#: tables that are not site data (the workflow snapshot travels with the site separately)
NOT_SITE_DATA = {
    SNAPSHOTS: "the definition a site runs on: exported once with the site, matched on import",
    "users": "accounts of one installation",
    "password_reset_tokens": "secrets of one installation",
    "login_failures": "rate-limiting counters of one installation",
    "rate_limits": "rate-limiting counters of one installation",
    "mail_preferences": "per-address preferences, shared by every site",
    "worker_runs": "how the reminder worker's last runs ended, on this installation",
    "audit_log": "the installation's audit of accounts and people; it stays where the changes were made",
    "proconnect_roles": "the sign-in rules of one installation",
    "programme_editions": "programme data (editions of a national programme), not a site's",
    "programme_applications": "programme data: applications to an edition's call",
    "programme_scores": "programme data: committee scores of an edition's applications",
    "programme_laureates": "programme data: laureates of an edition",
    "programme_reports": "programme data: laureates' indicator reports",
    "programme_report_values": "programme data: the counts of a report",
    "programme_laureate_sums": "programme data: sums of the report counts, kept by triggers",
    "programme_period_sums": "programme data: sums of the report counts, kept by triggers",
    "site_summary_counts": "the portfolio's counts on this installation, kept by triggers from its lines",
    "programme_members": "who plays which part in a programme, on this installation",
    "candidacies": "applicants' own drafts, tied to their accounts on this installation (a submitted one is "
                   "an application, exported with its call)",
    "candidacy_files": "files of applicants' drafts (a submitted one's files are the application's)",
    "programme_application_files": "programme data: files of applications to an edition's call",
    "conflicts_of_interest": "committee members' declarations on this installation (by member name; a site's or "
                             "a programme's)",
}


@dataclass(frozen=True)
class OwnedTable:
    table: Table
    #: the foreign key column that leads towards the site
    owner: Column
    #: the table it points to (``sites`` or another site-owned table)
    parent: str


def _owner_column(table: Table, owned: dict[str, OwnedTable]) -> Column | None:
    if "site_id" in table.c:
        for fk in table.c.site_id.foreign_keys:
            if fk.column.table.name == SITES:
                return table.c.site_id
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table.name
            if target != table.name and target in owned and not column.nullable:
                return column
    return None


def owned_tables() -> list[OwnedTable]:
    """Every site-owned table (the site itself first), in an order where parents come first."""
    owned: dict[str, OwnedTable] = {}
    for table in metadata.sorted_tables:
        if table.name == SITES:
            owned[SITES] = OwnedTable(table, table.c.id, SITES)
            continue
        column = _owner_column(table, owned)
        if column is not None:
            parent = next(iter(column.foreign_keys)).column.table.name
            owned[table.name] = OwnedTable(table, column, parent)
    return list(owned.values())


def exported_tables() -> list[OwnedTable]:
    return [t for t in owned_tables() if t.table.name not in EXCLUDED]


def unclassified_tables() -> list[str]:
    """Tables that are neither site-owned nor declared as something else (must stay empty)."""
    owned = {t.table.name for t in owned_tables()}
    return sorted(name for name in metadata.tables if name not in owned and name not in NOT_SITE_DATA)
