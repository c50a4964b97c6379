"""The runner's work inside the application, each piece in a process of its own (Django set up with the bench
settings), so that its peak memory is its own and nothing of it stays loaded in the runner:

    python -m bench.child NAME '{"json": "arguments"}'

prints one line `RESULT <json>` last. The statements the application runs are captured from the application
itself (a database execute wrapper), so each SQL floor is the very statement the endpoint runs.
"""

import base64
import datetime
import decimal
import json
import pickle
import random
import sys
import time

import django

from bench.figures import down


class Captured(Exception):
    """Raised by the execute wrapper with the statement it caught, before the database runs it."""

    def __init__(self, sql, params):
        super().__init__("captured")
        self.sql, self.params = sql, params


def capture(call, *, match: str, using: str = "default"):
    """The first statement containing `match` that `call()` would run on the database `using`: (sql, params), not
    executed. (What it runs before that, it runs.)"""
    from django.db import connections

    def wrapper(execute, sql, params, many, context):
        if match in sql:
            raise Captured(sql, params)
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(wrapper):
        try:
            call()
        except Captured as caught:
            return caught.sql, list(caught.params or [])
    raise RuntimeError(f"no statement with {match!r} was run")


def plain(value):
    """The value with the application's types (choices enums, lazy strings) turned into plain Python ones, so
    that the runner can unpickle it without Django."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)
    for kind in (bool, int, float):
        if isinstance(value, kind):
            return kind(value)
    if value is None or isinstance(value, decimal.Decimal | datetime.date):
        return value
    return str(value)


def pickled(statement: tuple[str, list]) -> str:
    sql, params = statement
    return base64.b64encode(pickle.dumps((str(sql), plain(list(params))))).decode()


# --- inputs drawn from the data ------------------------------------------------------------------------------------


def samples(*, seed: int = 7, count: int = 2000) -> dict:
    """The commonest public name; public entries (id, ID number, case number); ID numbers a check finds
    restricted in air travel (debtors and responsible persons of organisations, drawn at random) and valid ID
    numbers nobody holds; feed cursors spread over the whole feed."""
    from django.db import connection
    from django.db.models import Count

    from bench.generate import person_id
    from listings import feed
    from listings.models import PUBLIC, ListingDecision

    rng = random.Random(seed)
    public = ListingDecision.objects.filter(PUBLIC, case__state="listed")
    name = public.values("debtor_name").annotate(n=Count("id")).order_by("-n", "debtor_name").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM listings_listingdecision")
        top = cursor.fetchone()[0]
        rows: list = []
        while len(rows) < count:
            ids = [rng.randint(1, top) for _ in range(count * 3)]
            rows += list(public.filter(pk__in=ids).values_list("id", "debtor_id_number", "case_number"))
        rows = rows[:count]
        cursor.execute("SELECT max(id) FROM listings_restrictionsubject")
        top = cursor.fetchone()[0]
        restricted: list = []
        while len(restricted) < count:
            ids = [rng.randint(1, top) for _ in range(count * 3)]
            cursor.execute(
                "SELECT p.id_number, s.role FROM listings_restrictionsubject s "
                "JOIN listings_restrictionorder o ON o.id = s.order_id JOIN enforcement_party p ON p.id = s.party_id "
                "WHERE s.id = ANY(%s) AND o.status = 'in_force' AND o.categories & 1 <> 0",
                [ids],
            )
            restricted += cursor.fetchall()
        restricted = restricted[:count]
        cursor.execute("SELECT max(id) FROM listings_feedevent")
        top_event = cursor.fetchone()[0] or 0
        # Cursors at events that exist, with their own transaction ids: the generated history has xid 0, the
        # events a daily job wrote since (bench/jobs.py) have real ones, and a made-up cursor is refused (400).
        cursor.execute(
            "SELECT xid, id FROM listings_feedevent WHERE id = ANY(%s) ORDER BY id",
            [[rng.randint(1, max(1, top_event - 1000)) for _ in range(400)]],
        )
        positions = cursor.fetchall()[:200]
        rng.shuffle(positions)
    # Valid resident ID numbers far beyond those generated: a check answers "not restricted".
    unknown = [person_id(90_000_000 + i * 7919, rng)[0] for i in range(count)]
    cursors = [feed.encode_cursor(tuple(position)) for position in positions]
    return {
        "name": name["debtor_name"],
        "name_rows": name["n"],
        "rows": rows,
        "restricted": [number for number, _role in restricted],
        "restricted_officers": sum(1 for _n, role in restricted if role != "debtor"),
        "unknown": unknown,
        "cursors": cursors,
        "feed_events": top_event,
    }


def carrier_key() -> dict:
    """A real carrier API key in the bench database, allowed every category, with a rate that does not bite
    (the throttle still counts every request in the cache, as in production)."""
    from enforcement.rules import RestrictionCategory
    from listings.models import CarrierKey

    _obj, key = CarrierKey.objects.create_key(
        name=f"bench {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S}",
        organisation="Benchmark carrier",
        categories=set(RestrictionCategory.values),
        rate="100000000/m",
    )
    return {"key": key}


def scope(read, key) -> dict:
    """The key's categories, if the feed's reader scopes its events by them (as the endpoint then does)."""
    import inspect

    return {"categories": key.categories} if "categories" in inspect.signature(read).parameters else {}


def statements(*, sample: dict) -> dict:
    """The SQL (and parameters, pickled) of each hot query, as the application runs it."""
    from django.db import connection

    from listings import feed
    from listings.models import CarrierKey, ListingDecision
    from listings.selectors import public_listings
    from listings.services.checks import carrier_checks_answer

    queries = {
        "search_id_number": public_listings().filter(debtor_id_number=sample["id"]).order_by("-pk")[:21],
        "search_case_number": public_listings().filter(case_number=sample["case"]).order_by("-pk")[:21],
        "search_name": public_listings().filter(debtor_name=sample["name"]).order_by("-pk")[:21],
        "entry_page": public_listings().filter(pk=sample["entry"]),
        # What a lookup costs: the floor the check's own SQL is judged against.
        "primary_key_lookup": ListingDecision.objects.filter(pk=sample["entry"]).values_list("pk", "case_number"),
    }
    out = {}
    for name, query in queries.items():
        sql, params = query.query.sql_with_params()
        out[name] = pickled((sql, list(params)))
    key = CarrierKey.objects.order_by("-created").first()
    connection.ensure_connection()
    for name, numbers in (("check_single", sample["check"]), ("check_batch", sample["batch"])):
        out[name] = pickled(
            capture(
                lambda numbers=numbers: carrier_checks_answer(key=key, category="air_travel", id_numbers=numbers),
                match="WITH hits",
            )
        )
    out["feed_page"] = pickled(
        capture(
            lambda: feed.read(after=feed.decode_cursor(sample["cursor"]), **scope(feed.read, key)),
            match="listings_feedevent",
        )
    )
    return out


def replica_statements(*, sample: dict) -> dict:
    """With a replica configured (DATABASE_REPLICA_URLS), the SQL (and parameters, pickled) of a carrier check
    (`check_single`: one number, `check_batch`: a batch) as the application runs it on each path: `primary`, the
    one statement that answers and records on the primary (no replica read); `replica`, the read a replica
    answers; `record`, the second statement that then records that answer on the primary."""
    from django.db import DEFAULT_DB_ALIAS

    from config import replicas
    from listings.checks import INDEX
    from listings.models import CarrierCheck, CarrierKey
    from listings.services.checks import carrier_checks_answer

    [alias] = replicas.aliases()
    key = CarrierKey.objects.order_by("-created").first()
    out = {}
    for name, numbers in (("check_single", sample["check"]), ("check_batch", sample["batch"])):

        def on_primary(numbers=numbers):
            carrier_checks_answer(key=key, category="air_travel", id_numbers=numbers)

        def on_replica(numbers=numbers):
            with replicas.reading():
                if replicas.read_alias() != alias:
                    raise RuntimeError(f"the replica is not read: {replicas.status()}")
                carrier_checks_answer(key=key, category="air_travel", id_numbers=numbers)

        primary = capture(on_primary, match="WITH hits")
        read = capture(on_replica, match=INDEX, using=alias)
        record = capture(on_replica, match=f"INSERT INTO {CarrierCheck._meta.db_table}", using=DEFAULT_DB_ALIAS)
        if not record[0].startswith("INSERT"):
            raise RuntimeError(f"not the replica path's record: {record[0][:200]}")
        out[name] = {"primary": pickled(primary), "replica": pickled(read), "record": pickled(record)}
    return out


# --- in-process scenarios ------------------------------------------------------------------------------------------


def export() -> dict:
    from listings import opendata

    started = time.perf_counter()
    paths = opendata.export()
    seconds = time.perf_counter() - started
    with open(paths["jsonl"], encoding="utf-8") as handle:
        rows = sum(1 for _ in handle)
    return {"rows": rows, "export_seconds": down(seconds, 2)}


def jobs(*, sizes: list[int]) -> dict:
    from bench import jobs as bench_jobs

    return bench_jobs.measure(sizes=sizes)


def intake(*, rows: int, seed: int = 11) -> dict:
    from bench import intake as bench_intake

    return bench_intake.measure(rows=rows, seed=seed)


TASKS = {
    "samples": samples,
    "carrier_key": carrier_key,
    "statements": statements,
    "replica_statements": replica_statements,
    "export": export,
    "jobs": jobs,
    "intake": intake,
}


def main() -> None:
    name = sys.argv[1]
    arguments = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    django.setup()
    result = TASKS[name](**arguments)
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main()
