"""In Chromium, no dialog fires: a site whose every free-text field holds script,
event-handler, javascript:, template and formula payloads is visited page by page (every
GET route of the app's URL map, so a new page cannot escape) by every role that can see
it, and the HTML documents it downloads are opened as a user would open the file. The
pages are loaded with the Content-Security-Policy bypassed, so that what is proved is the
escaping and the sanitiser, not only the CSP in front of them."""
from __future__ import annotations

import csv
import io
import itertools
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from setupflow.accounts import operations as accounts
from setupflow.all_models import metadata
from setupflow.data_register import REGISTER
from setupflow.documents.build import SITE_KINDS
from setupflow.reminders.operations import plan_site
from setupflow.sites.models import Site
from setupflow.sites.operations import Actor
from browser_support import *  # noqa: F401,F403
from browser_support import log_in
from web_fixtures import *  # noqa: F401,F403
from web_fixtures import PASSWORD

from . import counters
from .payloads import VECTORS, build_hostile_site, text

ROLES = ("admin", "cress", "lead", "sponsor", "partner")
TAG = re.compile(r"""alert\(["']([a-z0-9_.]+)["']\)""")
#: text columns no form can fill with a payload, and why
NOT_TYPED = {
    ("users", "email"): "an address: anything else is refused", ("people", "email"): "idem",
    ("mail_preferences", "email"): "idem", ("feed_tokens", "email"): "idem",
    ("reminders", "recipient"): "idem", ("people", "phone"): "digits and + ( ) . - only",
    ("diagnostic_indicators", "dimension"): "an id of the definition",
    ("diagnostic_indicators", "cells"): "whole numbers per category of the definition",
    ("agenda_items", "notes"): "no form or operation writes it",
    ("site_reports", "comment"): "only an opened workshop reports, and the hostile site is not opened",
    ("site_reports", "reported_by"): "idem",
    ("call_scores", "member"): "the sheet's key, '#<person id>': a sheet is by a person of the team file (only sheets "
                               "recorded before that rule hold a typed name)",
    ("calls", "unsuccessful_reason"): "the hostile site's call goes on to its selection; closing it as unsuccessful "
                                      "is tested with its reason in tests/test_call_relaunch.py",
    ("feed_parts", "body"): "written by the feed from the rows above (their payloads, escaped), never typed",
}
#: how the crawl fills each kind of URL argument; a route with another argument fails the test
DOCUMENT_FORMATS = {"documents.site_document": {k: ("html",) for k in SITE_KINDS},
                    "documents.meeting_document": {"invitation": ("html",), "agenda": ("html",),
                                                   "minutes": ("html",)},
                    "calls.document": {None: ("html",)}, "programmes.review": {None: ("html",)}}
#: the routes that answer a file to download rather than a page
DOWNLOADS = {"documents.site_document", "documents.meeting_document", "calls.document", "calls.download",
             "portfolio.export_csv", "diagnostic.export_csv", "feeds.feed", "programmes.review",
             "programmes.figures_export", "workshop.national_csv", "programmes.meeting_invitation",
             "reviews.call_file", "reviews.edition_file", "applicants.download"}
DOM_PROBLEMS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    if (["IFRAME", "OBJECT", "EMBED", "BASE"].includes(el.tagName)) found.push(el.tagName);
    if (el.tagName === "SCRIPT" && !el.src && el.textContent.includes("alert(")) found.push("inline script");
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith("on")) found.push(`${el.tagName} ${a.name}=${a.value}`);
      else if (/^\\s*javascript:/i.test(a.value)) found.push(`${el.tagName} ${a.name}=${a.value}`);
    }
  }
  return found;
}"""


@pytest.fixture
def hostile(app, web_session, catalog, now, tmp_path):
    """The site, the accounts of every role that sees it (their names hold payloads too),
    and its reminders, planned from the payloads; time moves on past the held meeting."""
    actor = Actor(text("actor"), is_manager=True)
    web_session.info.update(actor=actor.name, now=now)  # what a web request sets, for the audit log
    ids = build_hostile_site(web_session, catalog, actor, now, tmp_path)
    for role in ROLES:
        accounts.create_user(web_session, email=f"{role}@example.test", role=role, password=PASSWORD, now=now,
                             display_name=text(f"user.{role}"), region="Bretagne" if role == "cress" else None,
                             site_ids=(ids["site_id"],) if role in ("lead", "sponsor", "partner") else ())
    accounts.authenticate(web_session, text("login.email"), "not the password", now)  # a failed login
    plan_site(web_session, web_session.get(Site, ids["site_id"]), now)
    web_session.commit()
    app.config["SETUPFLOW_NOW"] = lambda: now + timedelta(days=10)
    return ids


def stored_tags(engine) -> dict[tuple[str, str], set[str]]:
    """For each register column, which payload tags its rows hold."""
    found = {}
    with engine.connect() as conn:
        for table, columns in REGISTER.items():
            for column in columns:
                values = conn.execute(select(metadata.tables[table].c[column])).scalars()
                found[(table, column)] = {tag for value in values for tag in TAG.findall(str(value))}
    return found


def test_every_text_field_a_user_can_fill_holds_a_payload(hostile, sqlite_db):
    tags = stored_tags(sqlite_db.engine)
    free_text = {key for key, category in ((k, REGISTER[k[0]][k[1]]) for k in tags) if category != "code"}
    empty = sorted(key for key in free_text if not tags[key])
    assert empty == sorted(NOT_TYPED), f"{empty}: a free-text column without a payload (see payloads.py)"
    assert tags[("meetings", "video_url")] == set(), "a javascript: video link must be refused"
    counters.add("text fields holding payloads", len({tag for found in tags.values() for tag in found}))


def page_urls(app, ids: dict) -> list[tuple[str, str]]:
    """Every GET page of the URL map, filled with the hostile site's objects (each meeting,
    each person) and, for documents, each kind in its HTML format."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        choices = {}
        for arg in sorted(rule.arguments):
            if arg in ids:
                choices[arg] = ids[arg] if isinstance(ids[arg], list) else [ids[arg]]
            elif arg == "token":
                choices[arg] = ["not-a-token"]
            elif arg not in ("kind", "fmt"):
                raise AssertionError(f"{rule.rule}: the crawl does not know how to fill <{arg}>")
        formats = DOCUMENT_FORMATS.get(rule.endpoint, {None: (None,)})
        for kind, fmts in formats.items():
            for values in itertools.product(*choices.values()):
                for fmt in fmts:
                    filled = dict(zip(choices, values)) | ({"kind": kind} if kind else {}) | (
                        {"fmt": fmt} if fmt else {})
                    urls.append((rule.endpoint, rule.build(filled)[1]))
    return urls


def formula_cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body), delimiter=";" if body.count(";") > body.count(",")
                                       else ",")
            for cell in row if cell[:1] in ("=", "+", "@") or re.match(r"-[^\d]", cell)]


@pytest.mark.browser
@pytest.mark.slow
def test_in_chromium_no_dialog_fires_on_any_page_for_any_role(app, live_app, chromium, hostile, tmp_path, sqlite_db):
    urls = page_urls(app, hostile)
    stored = {tag for found in stored_tags(sqlite_db.engine).values() for tag in found}
    dialogs, problems, shown, opened, tried, started = [], {}, set(), set(), 0, time.process_time()
    wall = time.monotonic()
    for role in ROLES:
        context = chromium.new_context(locale="fr-FR", bypass_csp=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15000)
        page = context.new_page()
        page.on("dialog", lambda d, role=role: (dialogs.append((role, page.url, d.type, d.message)), d.dismiss()))
        log_in(page, live_app, f"{role}@example.test", PASSWORD)
        page.wait_for_url(lambda url: "/login" not in url)
        for endpoint, url in urls:
            if endpoint not in DOWNLOADS:
                response = page.goto(live_app + url)
                assert response.headers["content-type"].startswith("text/html"), f"{url}: list it in DOWNLOADS"
            else:
                response = context.request.get(live_app + url)
                kind = response.headers.get("content-type", "").split(";")[0]
                if kind == "text/csv":
                    assert formula_cells(response.text()) == [], f"{url} as {role}: a formula in the CSV"
                if kind != "text/html" or response.body() in opened:  # not rendered by a browser, or opened
                    continue  # already: the same document downloaded by another role
                opened.add(response.body())
                downloaded = tmp_path / f"{role}-{url.strip('/').replace('/', '_')}.html"
                downloaded.write_bytes(response.body())
                page.goto(downloaded.as_uri())  # the user opens the downloaded file: no CSP, no server
            visits = [page.url]
            for preview in range(page.locator("button[name=preview]").count()):  # what a user clicks to see
                page.locator("button[name=preview]").nth(preview).click()
                page.wait_for_load_state()
                visits.append(page.url + " (preview)")
                found = page.evaluate(DOM_PROBLEMS)
                if found:
                    problems[(role, visits[-1])] = found
                page.go_back()
            found = page.evaluate(DOM_PROBLEMS)
            if found:
                problems[(role, url)] = found
            shown |= set(TAG.findall(page.inner_text("body")))
            tried += len(visits)
        context.close()
    cpu, seconds = time.process_time() - started, time.monotonic() - wall
    print(f"Chromium crawl: {tried} page loads ({len(urls)} URLs x {len(ROLES)} roles, {len(opened)} distinct "
          f"downloaded documents opened once), {len(dialogs)} dialogs, "
          f"{seconds:.1f} s wall, {cpu:.1f} s CPU of the test process (server included); payload fields shown: "
          f"{len(shown)} of {len(stored)}; never on a page: {sorted(stored - shown)}")
    assert dialogs == []
    assert problems == {}
    # the payloads were on the pages, shown as text: the crawl saw them, it did not miss them
    assert {"site.name", "minutes", "decision.text", "action.text", "person0.name", "meeting.place", "call.title",
            "budget.label", "note.objectives", "interview.theme", "user.admin"} <= shown, sorted(shown)
    counters.add(f"Chromium page loads x roles, each with {len(VECTORS)} payload kinds in every field (0 dialogs)",
                 tried)
