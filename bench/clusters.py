"""PostgreSQL clusters of our own: initdb (or pg_basebackup -R for a hot standby) into a folder, started from the
machine's server binaries on a free port, run as the `postgres` user. The benchmark's replica scenario
(bench/replicas.py) measures a primary and its standby on them, and the tests that stop a database or read a
replica (tests/servers.py) drive them; the machine's shared server is never touched.

A cluster keeps PostgreSQL's stock settings except its port, its listen address (loopback), its socket folder
(its own folder) and what `settings` adds (the tests turn fsync off)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.run import free_port


class PrivatePostgres:
    """A cluster in `folder` (its data in `folder/data`, its log in `folder/log`), on a port chosen when the object
    is made (kept across stop and start). `url` names `database` on it."""

    def __init__(self, folder: Path, *, database: str = "registry", settings: dict | None = None):
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not binaries:
            raise RuntimeError("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin)")
        self.bin = binaries[-1]
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = free_port()
        self.database = database
        self.settings = settings or {}

    @property
    def server(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.server}/{self.database}"

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
        return done

    def _own_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def create(self, *, createdb: bool = True) -> None:
        """initdb, start, and (unless `createdb` is false) create `database`."""
        self._own_folder()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        if createdb:
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database)

    def start(self, *, timeout: int = 60) -> None:
        options = [f"-p {self.port}", f"-k {self.folder}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-t", str(timeout),
            "-o", " ".join(options), "start", timeout=timeout + 30,
        )  # fmt: skip

    def stop(self, *, missing_ok: bool = False) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=not missing_ok)

    def running(self) -> bool:
        return self.initialised and self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def postmaster_pid(self) -> int | None:
        """The server's main process (its backends are its children), while it runs."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None


class PrivateStandby(PrivatePostgres):
    """A hot standby of `primary` (pg_basebackup -R -X stream: it streams the primary's WAL and answers reads), on a
    port of its own, in a folder of its own."""

    def __init__(self, folder: Path, primary: PrivatePostgres, **options):
        options.setdefault("database", primary.database)
        options.setdefault("settings", primary.settings)
        super().__init__(folder, **options)
        self.primary = primary

    def create(self, *, timeout: float = 120) -> None:
        self._own_folder()
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", timeout=timeout,
        )  # fmt: skip
        self.start()

    def caught_up(self, *, timeout: float = 60) -> float:
        """Wait until the standby has replayed all the WAL the primary has written now; the seconds it took."""
        import psycopg

        started = time.monotonic()
        with psycopg.connect(f"{self.primary.server}/postgres", autocommit=True, connect_timeout=5) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        with psycopg.connect(f"{self.server}/postgres", autocommit=True, connect_timeout=5) as standby:
            while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                if time.monotonic() - started > timeout:
                    raise RuntimeError(f"the standby did not catch up in {timeout} s")
                time.sleep(0.1)
        return time.monotonic() - started
