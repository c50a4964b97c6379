"""The application served by a real gunicorn (sync workers, one database connection each, as in production),
on the test database, for tests that need real processes and real concurrency."""

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.db import connection
from requests.adapters import HTTPAdapter

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


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb into a temporary folder, run as the `postgres` user), which
    the test may stop and start: a database restart must not touch the machine's shared server."""

    def __init__(self, folder: Path):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        assert binaries, "PostgreSQL's server binaries are not installed"
        self.bin = binaries[-1]
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/registry"

    def _run(self, *args: str, check: bool = True) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True, timeout=120)  # noqa: S603

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "registry")

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        )  # fmt: skip

    def stop(self, *, missing_ok: bool = False) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=not missing_ok)


class PrivateStandby(PrivatePostgres):
    """A hot standby of `primary` (pg_basebackup -R: it streams the primary's WAL and answers reads), on a port
    of its own, in a folder of its own."""

    def __init__(self, folder: Path, primary: PrivatePostgres):
        super().__init__(folder)
        self.primary = primary

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self.start()
