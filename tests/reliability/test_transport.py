"""Transport: browsers are told to keep to HTTPS (Strict-Transport-Security) on every
answer served over HTTPS, directly or behind the number of trusted proxies the operator
configured (SETUPFLOW_PROXY_HOPS); forwarded headers are ignored when no proxy is trusted."""
from __future__ import annotations

import pytest

from setupflow.config import Settings
from web_fixtures import *  # noqa: F401,F403


def _app(sqlite_db, tmp_path, now, **settings):
    from web import create_app

    return create_app(sqlite_db.settings(data_dir=tmp_path, secret_key="test-secret-key", **settings),
                      test_config={"TESTING": True, "SETUPFLOW_NOW": lambda: now})


def test_an_https_answer_carries_hsts_and_a_plain_http_one_does_not(sqlite_db, tmp_path, now):
    client = _app(sqlite_db, tmp_path, now).test_client()
    secure = client.get("/login", base_url="https://setupflow.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/does-not-exist", base_url="https://setupflow.example.org").headers[
        "Strict-Transport-Security"] == "max-age=31536000"  # errors too
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(sqlite_db, tmp_path, now):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = _app(sqlite_db, tmp_path, now).test_client()
    assert "Strict-Transport-Security" not in direct.get("/login", headers=forwarded).headers
    proxied = _app(sqlite_db, tmp_path, now, proxy_hops=1).test_client()
    assert proxied.get("/login", headers=forwarded).headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in proxied.get("/login", headers={"X-Forwarded-Proto": "http"}).headers


def test_only_the_trusted_hops_of_x_forwarded_for_are_believed(sqlite_db, tmp_path, now):
    from flask import request

    app = _app(sqlite_db, tmp_path, now, proxy_hops=1)
    seen = []

    @app.before_request
    def _remember():
        seen.append(request.remote_addr)

    # a client that forges its own X-Forwarded-For gets its forged part ignored: one proxy
    # appends the real address, and only that last one is trusted
    app.test_client().get("/login", headers={"X-Forwarded-For": "10.0.0.1, 198.51.100.7"})
    assert seen == ["198.51.100.7"]


@pytest.mark.parametrize("value,hops", [(None, 0), ("", 0), ("2", 2)])
def test_the_number_of_trusted_proxies_is_a_setting(value, hops):
    env = {} if value is None else {"SETUPFLOW_PROXY_HOPS": value}
    assert Settings.from_env(env).proxy_hops == hops
