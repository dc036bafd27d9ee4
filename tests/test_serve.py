"""``setupflow serve`` on the demo data: it prints the URL and the demo logins, and a demo
account can log in through HTTP."""
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from setupflow.accounts.demo import DEMO_PASSWORD

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_prints_the_url_and_demo_logins_and_a_demo_login_works(tmp_path):
    env = {**os.environ, "SETUPFLOW_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO),
           "SETUPFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    subprocess.run([sys.executable, "-m", "setupflow", "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "setupflow", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith(f"setupflow is running on http://127.0.0.1:{port}/"), lines
        assert DEMO_PASSWORD in lines[1] and "admin@demo.setupflow.test" in lines[2], lines
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        for _ in range(50):
            try:
                page = opener.open(f"{base}/login").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"email": "cress.bretagne@demo.setupflow.test", "password": DEMO_PASSWORD,
                                       "csrf_token": token}).encode()
        response = opener.open(f"{base}/login", data=data)
        assert response.url == f"{base}/portfolio"
        assert "Recyclerie des Marais" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_gunicorn_serves_the_production_entry_point_from_the_environment(tmp_path):
    """``gunicorn 'web.wsgi:app'`` (the production shape the README gives) serves the pages
    of a database named by the environment."""
    env = {**os.environ, "SETUPFLOW_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO),
           "SETUPFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "SETUPFLOW_SECRET_KEY": "x" * 32}
    subprocess.run([sys.executable, "-m", "setupflow", "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "web.wsgi:app"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            proc.terminate()
            pytest.fail(proc.communicate(timeout=10)[0])
        assert 'name="csrf_token"' in page and '<html lang="fr"' in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_a_server_process_collects_rarely_and_leaves_what_start_up_built_out_of_sight():
    code = ("import gc; from setupflow.server_process import SERVER_GC_THRESHOLDS, tune_collector_for_a_server; "
            "before = gc.get_freeze_count(); tune_collector_for_a_server(); "
            "print(gc.get_threshold() == SERVER_GC_THRESHOLDS, gc.get_freeze_count() > before)")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]
