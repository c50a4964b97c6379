"""The application served by a real gunicorn (sync workers, one database connection each, as in production),
on the test database, for tests that need real processes and real concurrency."""

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.db import connection
from requests.adapters import HTTPAdapter

from bench import clusters
from tests.brokers import free_port

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_tests() -> str:
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@contextlib.contextmanager
def gunicorn(
    *, workers: int = 4, database_url: str | None = None, settings: dict | None = None, log_path: Path | None = None
):
    """Serve the test database (or `database_url`) with gunicorn; yields the base URL. The test must have
    committed its data (`django_db(transaction=True)`). `settings`: environment variables the settings read
    (e.g. CACHE_URL); `log_path`: where the server's log (warnings and up) is written."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url or database_url_of_tests(),
        **(settings or {}),
    }
    log = log_path.open("ab") if log_path else None
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{url}/health/", timeout=2)
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield url
    finally:
        process.terminate()
        process.wait(15)
        if log:
            log.close()


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (any of 127.0.0.0/8 reaches a server on 127.0.0.1): a client of
    its own, as the per-client limits count clients."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(n: int) -> requests.Session:
    """A browser-like session whose connections come from the n-th loopback address (127.0.0.2, ...)."""
    session = requests.Session()
    session.mount("http://", FromAddress(f"127.0.{n // 250}.{n % 250 + 2}"))
    session.headers["Accept-Language"] = "en"
    return session


def post_form(session: requests.Session, url: str, path: str, data: dict) -> requests.Response:
    """A form posted as a browser would: the page first (the CSRF cookie), then the POST (not redirected)."""
    session.get(f"{url}{path}", timeout=30)
    data = {**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]}
    return session.post(f"{url}{path}", data=data, allow_redirects=False, timeout=30)


# PostgreSQL clusters of a test's own (bench/clusters.py: one copy for the tests and the benchmark), which a test may
# stop and start: a database restart must not touch the machine's shared server. The tests' clusters run with
# fsync off (a crash of a test's cluster loses nothing that matters).
FAST = {"fsync": "off"}


class PrivatePostgres(clusters.PrivatePostgres):
    """A cluster of the test's own (initdb into `folder`, run as the `postgres` user); `url` names its database
    `registry`, which `create()` makes."""

    def __init__(self, folder: Path, **settings: str):
        super().__init__(folder, database="registry", settings={**FAST, **settings})


class PrivateStandby(clusters.PrivateStandby):
    """A hot standby of `primary` (pg_basebackup -R: it streams the primary's WAL and answers reads), on a port
    of its own, in a folder of its own."""

    def __init__(self, folder: Path, primary: PrivatePostgres):
        super().__init__(folder, primary, settings=FAST)
