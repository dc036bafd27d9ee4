"""Links use the address the page was served from (behind a trusted proxy, its forwarded
host and scheme); e-mails use SETUPFLOW_BASE_URL, which `setupflow serve` sets from its
own host and port when none is configured."""
import re

from setupflow.cli.serve import served_settings

from web_fixtures import *  # noqa: F401,F403


BASE = "http://127.0.0.1:5101"  # the server runs on 5101, not the default 5000


def new_feed_url(client, email="lead@example.test") -> str:
    """Log in and create a personal calendar address, every request sent to ``BASE``."""
    token = CSRF.search(client.get("/login", base_url=BASE).get_data(as_text=True)).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, base_url=BASE)
    token = CSRF.search(client.get("/notifications", base_url=BASE).get_data(as_text=True)).group(1)
    page = client.post("/notifications/feeds", data={"csrf_token": token}, base_url=BASE).get_data(as_text=True)
    return re.search(r'<code id="new-feed">([^<]+)</code>', page).group(1)


def test_the_calendar_address_is_the_one_the_page_was_served_from(app, site_in, person, web_session, manager, now):
    from setupflow.team import operations as team

    site = site_in()
    org = team.organisation_for(web_session, site, "ep", manager, now)
    team.add_person(web_session, site, name="Lead", email="lead@example.test", organisation=org, actor=manager,
                    now=now)
    web_session.commit()
    person("lead@example.test", "lead", sites=[site])
    url = new_feed_url(app.test_client())
    assert url.startswith("http://127.0.0.1:5101/feeds/") and url.endswith(".ics")


def test_behind_a_trusted_proxy_the_forwarded_host_and_scheme_make_the_links(web_db, tmp_path, now, site_in,
                                                                             web_session, manager):
    from setupflow.accounts import operations as accounts
    from setupflow.team import operations as team
    from web import create_app

    site = site_in()
    org = team.organisation_for(web_session, site, "ep", manager, now)
    team.add_person(web_session, site, name="Lead", email="lead@example.test", organisation=org, actor=manager,
                    now=now)
    accounts.create_user(web_session, email="lead@example.test", role="lead", password=PASSWORD, now=now,
                         site_ids=(site.id,))
    web_session.commit()
    forwarded = {"X-Forwarded-Host": "setupflow.example.org", "X-Forwarded-Proto": "https",
                 # a browser on https sends where the form came from (Flask-WTF checks it)
                 "Referer": "https://setupflow.example.org/notifications"}
    for hops, expected in ((1, "https://setupflow.example.org/feeds/"), (0, "http://127.0.0.1:5101/feeds/")):
        app = create_app(web_db.settings(data_dir=tmp_path, secret_key="k" * 32, proxy_hops=hops),
                         test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})
        client = app.test_client()
        client.environ_base.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in forwarded.items()})
        assert new_feed_url(client).startswith(expected), hops


def test_serve_sets_the_base_url_from_its_own_host_and_port_unless_one_is_configured(web_db):
    settings = web_db.settings()
    assert served_settings(settings, "127.0.0.1", 5101, env={}).base_url == "http://127.0.0.1:5101"
    configured = web_db.settings(base_url="https://setupflow.example.org")
    assert served_settings(configured, "127.0.0.1", 5101,
                           env={"SETUPFLOW_BASE_URL": "https://setupflow.example.org"}) is configured
