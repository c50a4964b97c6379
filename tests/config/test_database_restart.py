"""The database restarts under a running web server: while it is down every page and API answer is a clear
503 with Retry-After (never a 500), and once it is back the same worker processes answer again. The server is
a real gunicorn on a PostgreSQL cluster of the test's own, which the test stops and starts."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, PrivatePostgres, gunicorn

pytestmark = pytest.mark.postgres


def test_a_database_restart_answers_503_meanwhile_and_the_web_recovers():
    # Not pytest's tmp_path: its parents are private to root, and the server runs as `postgres`.
    database = PrivatePostgres(Path(tempfile.mkdtemp(prefix="er-test-pg-")))
    database.create()
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database.url},
            check=True,
            timeout=300,
        )
        with gunicorn(workers=2, database_url=database.url) as url:
            english = {"Accept-Language": "en"}
            assert requests.get(f"{url}/statistics/", headers=english, timeout=10).status_code == 200

            database.stop()
            for path in ("/statistics/", "/?name=%E7%8E%8B%E4%BC%9F", "/entries/1/", "/health/"):
                down = requests.get(f"{url}{path}", headers=english, timeout=10)
                assert down.status_code == 503, (path, down.status_code)
            page = requests.get(f"{url}/statistics/", headers=english, timeout=10)
            assert "briefly unavailable" in page.text
            assert page.headers["Retry-After"] == "30"
            health = requests.get(f"{url}/health/", timeout=10).json()
            assert health["database"]["ok"] is False

            database.start()
            for path in ("/statistics/", "/?name=%E7%8E%8B%E4%BC%9F", "/admin/login/"):
                assert requests.get(f"{url}{path}", headers=english, timeout=10).status_code == 200, path
    finally:
        database.stop(missing_ok=True)
        shutil.rmtree(database.folder, ignore_errors=True)
