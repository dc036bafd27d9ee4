"""Every page of the demo, read by every demo role, is French that reads as French: no
date in ISO form where a person reads (form inputs and machine attributes aside), and
no English message left untranslated. The crawl follows the links of the pages, a few
of each kind of page (the URL with its numbers taken out)."""
from __future__ import annotations

import html
import re
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from setupflow.accounts.demo import DEMO_PASSWORD, DEMO_USERS

from web_fixtures import Browser

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a few pages of each kind are enough: the 30th meeting page reads like the 3rd
PER_KIND = 2
SKIP = re.compile(r"\.(pdf|docx|ics|csv|html)$|^/feeds/|^/logout|^/static/|/documents/|/files/")


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory, sqlite_template, catalog):
    import shutil

    from setupflow.db import make_engine, make_session_factory
    from setupflow.demo import build_demo
    from web import create_app

    from tests.conftest import TestDatabase

    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, folder / "demo.db")
    database = TestDatabase(f"sqlite:///{folder / 'demo.db'}", "sqlite")
    with database.factory() as session:
        build_demo(session, catalog, NOW)
        session.commit()
    app = create_app(database.settings(data_dir=folder, secret_key="demo-secret-key"),
                     test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: NOW})
    yield app
    database.engine.dispose()


def readable_text(page: str) -> str:
    """What a person reads: the page without scripts, styles, form inputs, tags and attributes."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]*>", " ", page)
    return html.unescape(page)


def kind_of(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


def crawl(client, start="/portfolio"):
    """(url, page) of the pages reachable from ``start``, a few of each kind."""
    seen, kinds, queue = set(), Counter(), [start]
    while queue:
        url = queue.pop(0)
        if url in seen or SKIP.search(urlsplit(url).path) or kinds[kind_of(url)] >= PER_KIND:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        kinds[kind_of(url)] += 1
        page = response.get_data(as_text=True)
        yield url, page
        for href in re.findall(r'href="(/[^"#]*)', page):
            queue.append(html.unescape(href))


def pages_of(app, email):
    client = Browser(app.test_client())
    assert client.login(email, DEMO_PASSWORD).status_code == 302
    return list(crawl(client.client))


@pytest.mark.parametrize("email", [u[0] for u in DEMO_USERS])
def test_no_iso_date_where_a_person_reads_on_any_page(demo_app, email):
    pages = pages_of(demo_app, email)
    assert len(pages) > 5
    found = {}
    for url, page in pages:
        text = readable_text(page)
        hits = ISO_DAY.findall(text)
        if hits:
            where = text.index(hits[0])
            found[url] = " ".join(text[max(0, where - 60):where + 40].split())
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


#: words of English sentences that French pages never contain (the demo data is French)
ENGLISH = re.compile(r"\b(the|and|is|are|was|were|this|these|with|from|has|have|not|yet|none|which|"
                     r"your|you|will|been|wait|unsent|reminder|reminders|meeting|meetings)\b", re.I)


@pytest.mark.parametrize("email", [u[0] for u in DEMO_USERS])
def test_no_english_left_on_any_french_page(demo_app, email):
    found = {}
    for url, page in pages_of(demo_app, email):
        text = readable_text(re.sub(r'<[^>]+lang="en"[^>]*>[^<]*<', "<", page))  # the language switch says English
        hit = ENGLISH.search(text)
        if hit:
            found[url] = " ".join(text[max(0, hit.start() - 60):hit.end() + 60].split())
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


#: a colon, semicolon, question or exclamation mark after a word or a plain space, or a
#: guillemet without its no-break space: French typography wants a no-break space there
BAD_TYPOGRAPHY = re.compile(r"(?:[^\s\d\u00a0(/]|[ \t])[:;?!»](?=\s)|«[^\u00a0]")


@pytest.mark.parametrize("email", [u[0] for u in DEMO_USERS[:3]])
def test_french_typography_on_every_page(demo_app, email):
    found = {}
    for url, page in pages_of(demo_app, email):
        text = readable_text(re.sub(r"<(pre|code)\b.*?</\1>", " ", page, flags=re.S))
        hit = BAD_TYPOGRAPHY.search(text)
        if hit:
            found[url] = " ".join(text[max(0, hit.start() - 40):hit.end() + 40].split())
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_french_typography_spaces_where_french_wants_them():
    from web.i18n import french_page, french_typography

    assert french_typography("Relevé de décisions: HTML") == "Relevé de décisions\u00a0: HTML"
    assert french_typography("Cible : 14:00 ; prêt ? oui !") == "Cible\u00a0: 14:00\u00a0; prêt\u00a0? oui\u00a0!"
    assert french_typography("« Atelier »") == "«\u00a0Atelier\u00a0»"
    assert french_typography("https://setupflow.example.org/x") == "https://setupflow.example.org/x"
    assert french_typography("Ana &lt;ana@example.org&gt; écrit") == "Ana &lt;ana@example.org&gt; écrit"
    page = '<p title="a: b">Note: <input value="x: y"><code>k: v</code></p>'
    assert french_page(page) == '<p title="a: b">Note\u00a0: <input value="x: y"><code>k: v</code></p>'


def test_the_budget_reads_its_categories_in_words_and_its_amounts_in_euros(demo_app):
    client = Browser(demo_app.test_client())
    client.login("lead@demo.setupflow.test", DEMO_PASSWORD)
    text = readable_text(client.get("/sites/2/budget").get_data(as_text=True))
    assert "Personnel" in text and "Subventions et aides" in text
    assert " staff " not in text and " grants " not in text
    assert "32\u202f000,00\u00a0€" in text and "32000.00" not in text


def test_every_page_of_a_site_has_the_site_navigation(demo_app):
    missing = [url for url, page in pages_of(demo_app, "cress.bretagne@demo.setupflow.test")
               if re.match(r"^/sites/\d+(/|$|\?)", url) and 'class="subnav"' not in page]
    assert not missing, missing
