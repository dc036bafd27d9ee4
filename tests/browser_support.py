"""Playwright driving Debian's Chromium (never a downloaded browser) against the app
served in a thread on 127.0.0.1. In CI a missing Chromium fails the run."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("SETUPFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
    pytest.skip(reason)


_SHARED = {"users": 0}


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run. Each test module that star-imports this fixture gets
    its own copy of it, and a second Playwright cannot start in the same thread: the copies
    share one browser, closed when the last of them is torn down."""
    if not _SHARED["users"]:
        if not Path(CHROMIUM).exists():
            _unavailable(f"no Chromium at {CHROMIUM} (install Debian's chromium or set SETUPFLOW_TEST_CHROMIUM)")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            _unavailable("playwright is not installed")
        playwright = sync_playwright().start()
        _SHARED.update(playwright=playwright,
                       browser=playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))
    _SHARED["users"] += 1
    yield _SHARED["browser"]
    _SHARED["users"] -= 1
    if not _SHARED["users"]:
        _SHARED.pop("browser").close()
        _SHARED.pop("playwright").stop()


@pytest.fixture
def live_app(app):
    """The app served by werkzeug in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


@contextmanager
def screenshots_on_failure(page, name: str):
    """Keep a full-page screenshot under tests/artifacts/ when the block fails."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content())
        except Exception:  # the page itself may be gone; the original failure matters
            pass
        raise


def log_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
