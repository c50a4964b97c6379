"""Carriers' checks: answer and record, one statement per request however many numbers it asks about."""

import datetime
import json

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone

from config import metrics, replicas
from listings import checks
from listings.checks import CheckResult, id_number_hmac
from listings.models import CarrierCheck, CarrierKey
from listings.services import check_records

TABLE = CarrierCheck._meta.db_table

# The record of a check, written by the statement that answers it (PostgreSQL): one row per number asked, its
# answer read from the statement's own `hits`. A number that is not valid is recorded with no answer (NULL).
# The hashes and the numbers travel as two texts split by the server (an empty number is NULL: not valid).
LOG_SQL = (
    f"INSERT INTO {TABLE} (key_id, category, id_number_hmac, restricted, at) "  # noqa: S608 - fixed names only
    "SELECT %s, %s, u.h, CASE WHEN u.n IS NULL THEN NULL "
    "ELSE EXISTS (SELECT 1 FROM hits WHERE hits.id_number = u.n) END, %s "
    "FROM unnest(string_to_array(%s, chr(31)), string_to_array(%s, chr(31), '')) WITH ORDINALITY AS u(h, n, i)"
    "{async_commit} ORDER BY u.i"
)
# A single check's record: the one number's answer is whether `hits` has a row. Its own shape, so that the whole
# statement keeps a generic plan (see `listings.checks.restricting_orders`).
LOG_ONE_SQL = (
    f"INSERT INTO {TABLE} (key_id, category, id_number_hmac, restricted, at) "  # noqa: S608 - fixed names only
    "SELECT %s, %s, %s, EXISTS (SELECT 1 FROM hits), %s{async_commit}"
)


def carrier_checks_answer(
    *, key: CarrierKey, category: str, id_numbers: list, at: datetime.datetime | None = None
) -> list[CheckResult]:
    """Answer each of `id_numbers` in `category` (in order, duplicates answered each time) and record every
    answer (key, category, HMAC of the number, answer, time) for accountability.

    On the primary (PostgreSQL) the answer and its record are one statement (a data-modifying CTE), so recording
    costs no extra round trip and no wait for the disk. On a replica (`config.replicas`) the answer is read there
    and recorded on the primary by `check_records`, which spools it while the primary is down. On SQLite a
    second statement inserts the rows from one JSON array.
    """
    at = at or timezone.now()
    results = checks.cleaned(id_numbers)
    valid = [r.id_number for r in results if r.restricted is not None]
    today = timezone.localdate(at)
    secret = checks.hmac_key()
    hashes = [id_number_hmac(r.id_number, key=secret) for r in results]
    alias = replicas.read_alias()
    if alias != DEFAULT_DB_ALIAS:
        checks.answer(results, checks.restricting_orders(valid, category, today, using=alias))
        answers = [r.restricted for r in results]
        check_records.checks_record(
            check_records.Checks(key=key.prefix, category=category, at=at, hashes=hashes, answers=answers)
        )
        return metrics.carrier_checks_counted(category, results)
    if connection.vendor == "postgresql":
        synchronous = connection.in_atomic_block
        if len(results) == 1 and valid:
            log_sql = LOG_ONE_SQL.format(async_commit="" if synchronous else f" FROM {check_records.ASYNC_COMMIT_ROW}")
            log_params = [key.prefix, category, hashes[0], at]
        else:
            numbers = checks.SEPARATOR.join(r.id_number if r.restricted is not None else "" for r in results)
            log_sql = LOG_SQL.format(async_commit="" if synchronous else f", {check_records.ASYNC_COMMIT_ROW}")
            log_params = [key.prefix, category, at, checks.SEPARATOR.join(hashes), numbers]
        found = checks.restricting_orders(valid, category, today, log_sql=log_sql, log_params=log_params)
        check_records.flush_soon()  # the primary answers: what a replica answered while it was down follows
        return metrics.carrier_checks_counted(category, checks.answer(results, found))
    checks.answer(results, checks.restricting_orders(valid, category, today))
    rows = json.dumps([[h, r.restricted] for h, r in zip(hashes, results, strict=True)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (key_id, category, id_number_hmac, restricted, at) "  # noqa: S608
            "SELECT %s, %s, json_extract(value, '$[0]'), json_extract(value, '$[1]'), %s FROM json_each(%s)",
            [key.prefix, category, connection.ops.adapt_datetimefield_value(at), rows],
        )
    return metrics.carrier_checks_counted(category, results)
