"""Reads from PostgreSQL streaming replicas (DATABASE_REPLICA_URLS), for the public pages, the public JSON, the
open-data file, the statistics and the carriers' checks; everything else reads and writes the primary.

A view opts in with `replica_reads` (a function view) or `ReplicaReadsView` (a DRF view). Within it:
- a request reads one database from start to end (chosen on its first read), so it never mixes two snapshots;
- a replica is used only while its replay lag is at most REPLICA_MAX_LAG_SECONDS (measured by each process at
  most every REPLICA_CHECK_SECONDS); a replica unreachable or lagging is skipped, and the primary answers;
- a write (say a search's probe budget) goes to the primary, and every read after it too: a request reads its own
  writes;
- a request carrying a session (staff, a debtor filing a request) reads the primary throughout;
- the primary unreachable: the request is answered again from the freshest replica that answers, whatever its
  lag, and for PRIMARY_DOWN_SECONDS reads skip the primary (a railway keeps selling tickets while the court's
  database is upgraded). A replica failing mid-request is skipped likewise, and the request answered again.
  Only GET and HEAD requests and the carriers' checks (which write nothing but their record, kept by
  `listings.services.checks` whichever database answered) are answered again: they change nothing.

Replica lag, as measured here: 0 while the replica has replayed all the WAL it received and its WAL receiver is
running; otherwise the seconds since the last transaction it replayed committed on the primary. So that the last
commit is never old while the primary writes only WAL without commits (autovacuum after a day's checks made a
replica look 10 s behind and skipped it: bench/replicas.py), each process commits a heartbeat on the primary (a
transactional WAL message, `HEARTBEAT_SQL`) before it measures the replicas, at most every REPLICA_CHECK_SECONDS.
"""

import contextlib
import functools
import logging
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

PREFIX = "replica_"  # the aliases of DATABASES that are replicas: replica_1, replica_2, ...

# The seconds of lag (see above), or NULL if this is not a standby at all (promoted, or a primary named by mistake).
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() "
    "AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0 "
    "ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 'Infinity') END"
)


# A transactional message of no content: it puts a record and a commit in the WAL. (A transaction that only takes an
# id, `pg_current_xact_id()`, writes no commit record: tested, the replica's replay timestamp did not move.)
HEARTBEAT_SQL = "SELECT pg_logical_emit_message(true, 'registry-heartbeat', '')"


@dataclass
class Replica:
    alias: str
    lag: float | None = None  # seconds; None: unreachable, or not a standby
    measured_at: float = field(default=-1e18)  # time.monotonic() of the last measurement
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.lag is not None and self.lag <= settings.REPLICA_MAX_LAG_SECONDS


_replicas: dict[str, Replica] = {}
_primary_down_until = 0.0


@dataclass
class _Reading:
    """One request's choice: the database it reads (once chosen), and whether it has written."""

    alias: str = ""
    wrote: bool = False


_reading: ContextVar[_Reading | None] = ContextVar("replica_reading", default=None)


def aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def _replica(alias: str) -> Replica:
    return _replicas.get(alias) or _replicas.setdefault(alias, Replica(alias))


def measure(alias: str) -> Replica:
    """Ask the replica its lag now (`LAG_SQL`); an unreachable replica is recorded as such, with the reason."""
    replica = _replica(alias)
    replica.measured_at = time.monotonic()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            (lag,) = cursor.fetchone()
        replica.lag, replica.error = (float(lag), "") if lag is not None else (None, "not a standby")
    except (OperationalError, InterfaceError) as exc:
        replica.lag, replica.error = None, type(exc).__name__
        connections[alias].close()
    if replica.lag is None:
        logger.warning("replica %s skipped: %s", alias, replica.error)
    return replica


def replicas(*, fresh: bool = False) -> list[Replica]:
    """Every configured replica, measured within REPLICA_CHECK_SECONDS (now, if `fresh`)."""
    due = time.monotonic() - settings.REPLICA_CHECK_SECONDS
    stale = [alias for alias in aliases() if fresh or _replica(alias).measured_at <= due]
    if stale:
        heartbeat()
    for alias in stale:
        measure(alias)
    return [_replica(alias) for alias in aliases()]


def heartbeat() -> None:
    """A commit on the primary (see the module's text); skipped while the primary is down."""
    if primary_down():
        return
    try:
        # In a transaction (a savepoint inside a caller's): a refused heartbeat leaves nothing broken behind it.
        with transaction.atomic(using=DEFAULT_DB_ALIAS), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(HEARTBEAT_SQL)
    except (OperationalError, InterfaceError):
        connections[DEFAULT_DB_ALIAS].close()  # the request finds the primary down itself, if it needs it
    except DatabaseError as exc:  # refused (a read-only primary, a role without the right): never fails a page
        logger.warning("replica heartbeat refused by the primary: %s", exc)


def primary_down() -> bool:
    return time.monotonic() < _primary_down_until


def mark_primary_down() -> None:
    global _primary_down_until
    _primary_down_until = time.monotonic() + settings.PRIMARY_DOWN_SECONDS
    logger.warning("the primary database is unreachable: reads go to replicas for %ss", settings.PRIMARY_DOWN_SECONDS)


def mark_replica_down(alias: str) -> None:
    replica = _replica(alias)
    replica.lag, replica.error, replica.measured_at = None, "failed mid-request", time.monotonic()
    connections[alias].close()


def choose() -> str:
    """The database a replica-eligible read goes to now: a replica within the lag bound (one at random, to spread
    the load), else the primary; while the primary is down, the freshest replica answering."""
    found = [replica for replica in replicas() if replica.lag is not None]
    if primary_down() and found:
        return min(found, key=lambda replica: replica.lag).alias
    usable = [replica.alias for replica in found if replica.usable]
    return random.choice(usable) if usable else DEFAULT_DB_ALIAS  # noqa: S311 - load spreading, not security


def read_alias() -> str:
    """The database this request reads: the primary unless within `replica_reads` (see the module's text)."""
    reading = _reading.get()
    if reading is None or reading.wrote or not aliases():
        return DEFAULT_DB_ALIAS
    if not reading.alias:
        reading.alias = choose()
    return reading.alias


class ReplicaRouter:
    """Django's database router: replica-eligible reads to `read_alias()`, every write and migration to the
    primary."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        reading = _reading.get()
        if reading is not None:
            reading.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading():
    """Reads within may come from a replica, as a `replica_reads` view's do (for a job: the open-data export)."""
    if not aliases() or _reading.get() is not None:
        yield
        return
    token = _reading.set(_Reading())
    try:
        yield
    finally:
        _reading.reset(token)


def _has_session(request) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _primary_answers() -> bool:
    primary = connections[DEFAULT_DB_ALIAS]
    primary.close()
    try:
        primary.ensure_connection()
    except (OperationalError, InterfaceError):
        primary.close()
        return False
    return True


def replica_reads(view=None, *, retry_methods=("GET", "HEAD")):
    """Let `view`'s reads come from a replica (see the module's text). `retry_methods`: the methods whose
    requests are answered again elsewhere when the database they read fails (their view must change nothing
    that matters, or keep it as the carriers' checks keep their record)."""
    if view is None:
        return functools.partial(replica_reads, retry_methods=retry_methods)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not aliases() or _has_session(request) or _reading.get() is not None:  # (the last: nested)
            return view(request, *args, **kwargs)
        if request.method in retry_methods:
            request.body  # noqa: B018 - read now, so that a second answer can read it again
        reading = _Reading()
        token = _reading.set(reading)
        try:
            try:
                response = view(request, *args, **kwargs)
            except (OperationalError, InterfaceError):
                if request.method not in retry_methods or not _failed_over(reading):
                    raise
                logger.warning("%s answered again from another database", request.path)
                reading.alias, reading.wrote = "", False
                response = view(request, *args, **kwargs)
            if getattr(response, "streaming", False):
                response.streaming_content = _streamed_within(reading, response.streaming_content)
            return response
        finally:
            _reading.reset(token)

    return wrapped


def _failed_over(reading: _Reading) -> bool:
    """After a database error: mark what failed, and say whether another database may answer the request."""
    failed = reading.alias or DEFAULT_DB_ALIAS
    if failed != DEFAULT_DB_ALIAS:
        mark_replica_down(failed)
        return True
    if _primary_answers():
        return False  # the primary is up: the error was the statement's, not the database's
    mark_primary_down()
    return any(replica.lag is not None for replica in replicas(fresh=True))


def _streamed_within(reading: _Reading, chunks):
    """A streamed body (the open-data file) read where its view chose, though it is read after the view returns."""
    token = _reading.set(reading)
    try:
        yield from chunks
    finally:
        try:
            _reading.reset(token)
        except ValueError:  # iterated in another context than the one it started in (a server's own thread)
            _reading.set(None)


class ReplicaReadsView:
    """A DRF view (first among the bases) whose reads may come from a replica: `replica_reads` around
    `as_view()`."""

    replica_retry_methods = ("GET", "HEAD")

    @classmethod
    def as_view(cls, **initkwargs):
        return replica_reads(super().as_view(**initkwargs), retry_methods=cls.replica_retry_methods)


def status() -> dict:
    """Each replica's state, measured now: for `/health/` and `/metrics`."""
    return {
        replica.alias: {
            "ok": replica.usable,
            "lag_seconds": None if replica.lag is None else round(replica.lag, 3),
            **({"error": replica.error} if replica.error else {}),
        }
        for replica in replicas(fresh=True)
    }
