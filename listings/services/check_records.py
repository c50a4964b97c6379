"""The record of carrier checks answered by a replica: written to the primary, or, while the primary is down,
kept in a local spool and written once it answers again, exactly once.

A check answered by the primary is recorded by the statement that answers it (`listings.services.checks`). One
answered by a replica (`config.replicas`) is recorded here by a second statement, on the primary. If the primary
cannot take it, the request's checks go to one file in CHECK_SPOOL_DIR (written whole, then renamed into place, so
a reader never sees half a file); the check is still answered. The spool is flushed by the web process itself
once an insert on the primary succeeds again (in a thread of its own, at most every FLUSH_LOOK_SECONDS), by the
`check_spool_flush` task every minute, and by `manage.py check_spool --flush`.

Exactly once: each file has a UUID, inserted into `SpooledCheckBatch` in the transaction that inserts its
checks; a file whose UUID is already there is only deleted. A crash between the commit and the deletion, or two
processes flushing the same file, records its checks once.

Like the check log's own inserts (which commit without waiting for the disk), a spool file is not fsynced: a
machine's crash may lose the last checks it answered, never a court's record.
"""

import contextlib
import datetime
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.utils.translation import gettext as _

from config import replicas
from config.errors import Unavailable
from listings.checks import SEPARATOR
from listings.models import CarrierCheck, SpooledCheckBatch

logger = logging.getLogger(__name__)

# The request's checks: HMACs and answers as two texts split by the server (cheaper to send than two arrays of
# 1,000, which psycopg builds item by item), committed without waiting for the disk like the primary's own record.
INSERT_SQL = (
    f"INSERT INTO {CarrierCheck._meta.db_table} (key_id, category, id_number_hmac, restricted, at) "  # noqa: S608
    "SELECT %s, %s, u.h, u.r, %s FROM unnest(string_to_array(%s, chr(31)), "
    "string_to_array(%s, chr(31), 'n')::boolean[]) WITH ORDINALITY AS u(h, r, i){async_commit} ORDER BY u.i"
)
ANSWER_TEXT = {True: "t", False: "f", None: "n"}  # 'n': NULL, a number that was not valid
# Every statement recording checks outside a transaction commits by itself; `set_config(..., true)` makes that
# commit not wait for the disk (the check log may lose its last rows in a server crash, never a court's record).
# Inside a caller's transaction it would apply to all of that transaction's writes, so it is left out there.
ASYNC_COMMIT_ROW = "(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit"
SUFFIX = ".json"
FLUSH_LOOK_SECONDS = 5.0
FLUSH_BATCH = 500  # files per transaction when flushing


@dataclass(frozen=True)
class Checks:
    """One request's checks: who asked, in which category, when, and for each number its HMAC and answer."""

    key: str
    category: str
    at: datetime.datetime
    hashes: list[str]
    answers: list[bool | None]


def checks_record(checks: Checks) -> None:
    """Record `checks` on the primary, or spool them while it is down (Unavailable if neither can be done: an
    unrecorded check is not answered)."""
    if not replicas.primary_down():
        try:
            _insert(checks, in_transaction=False)
        except (OperationalError, InterfaceError):
            connections[DEFAULT_DB_ALIAS].close()
            replicas.mark_primary_down()
        else:
            flush_soon()
            return
    try:
        spool_write(checks)
    except OSError as exc:
        logger.error("carrier checks neither recorded nor spooled (%s): %s", settings.CHECK_SPOOL_DIR, exc)
        raise Unavailable(_("Checks cannot be recorded just now. Please try again in a minute.")) from exc


def _insert(checks: Checks, *, in_transaction: bool) -> None:
    answers = SEPARATOR.join(ANSWER_TEXT[answer] for answer in checks.answers)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            INSERT_SQL.format(async_commit="" if in_transaction else f", {ASYNC_COMMIT_ROW}"),
            [checks.key, checks.category, checks.at, SEPARATOR.join(checks.hashes), answers],
        )


def spool_write(checks: Checks) -> Path:
    folder = Path(settings.CHECK_SPOOL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{uuid.uuid4()}"
    body = {
        "key": checks.key,
        "category": checks.category,
        "at": checks.at.isoformat(),
        "hashes": checks.hashes,
        "answers": checks.answers,
    }
    partial = folder / f".{name}.partial"
    partial.write_text(json.dumps(body))
    path = folder / f"{name}{SUFFIX}"
    os.replace(partial, path)
    return path


def spooled() -> list[Path]:
    """The spool's files, oldest first."""
    folder = Path(settings.CHECK_SPOOL_DIR)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))


def check_spool_flush() -> int:
    """Record the spooled checks on the primary, oldest file first, FLUSH_BATCH files per transaction; returns
    how many checks were recorded (files already recorded are only deleted). Raises the database's error if the
    primary is still down: nothing is lost, the files stay."""
    recorded = 0
    files = spooled()
    for start in range(0, len(files), FLUSH_BATCH):
        batch = files[start : start + FLUSH_BATCH]
        done = []
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            for path in batch:
                try:
                    body = json.loads(path.read_text())
                    batch_id = uuid.UUID(path.name.removesuffix(SUFFIX).split("-", 1)[1])
                except FileNotFoundError:
                    continue  # flushed by another process meanwhile
                except ValueError:
                    logger.error("check spool: %s is not a spool file; left for an operator", path)
                    continue
                checks = Checks(
                    key=body["key"],
                    category=body["category"],
                    at=datetime.datetime.fromisoformat(body["at"]),
                    hashes=body["hashes"],
                    answers=body["answers"],
                )
                _, created = SpooledCheckBatch.objects.get_or_create(
                    id=batch_id, defaults={"checks": len(checks.hashes), "spooled_at": checks.at}
                )
                if created:
                    _insert(checks, in_transaction=True)
                    recorded += len(checks.hashes)
                done.append(path)
        for path in done:
            path.unlink(missing_ok=True)
    if recorded:
        logger.info("check spool: %s checks recorded on the primary", recorded)
    return recorded


_next_look = 0.0
_flushing = threading.Lock()


def flush_soon() -> None:
    """After an insert on the primary succeeded: if this machine's spool holds files (looked at most every
    FLUSH_LOOK_SECONDS), flush them in a thread, one at a time per process."""
    global _next_look
    now = time.monotonic()
    if now < _next_look:
        return
    _next_look = now + FLUSH_LOOK_SECONDS
    if spooled() and _flushing.acquire(blocking=False):
        threading.Thread(target=_flush_in_thread, name="check-spool-flush", daemon=True).start()


def _flush_in_thread() -> None:
    try:
        check_spool_flush()
    except Exception:
        logger.exception("check spool: flush failed; the files stay for the next attempt")
    finally:
        connections.close_all()
        _flushing.release()


def spool_status() -> dict:
    """How many files wait in this machine's spool, and since when (the oldest file's time)."""
    files = spooled()
    oldest = None
    if files:
        with contextlib.suppress(FileNotFoundError):  # flushed meanwhile
            oldest = datetime.datetime.fromtimestamp(files[0].stat().st_mtime, tz=datetime.UTC)
    return {"files": len(files), "oldest": oldest.isoformat() if oldest else None}
