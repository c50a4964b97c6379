"""Where an endpoint's time goes, in-process: CPU time (time.process_time, so other processes' load counts less
than in wall time) of each request and of its parts, median of N, on a bench data set.

    .venv/bin/python bench/profile.py --tier 1m [--runs 40]

The parts are the application's own functions called directly; "http" is the whole request through Django's
test client (every middleware, DRF, rendering), without gunicorn and the network. Database time is not CPU
time of this process: "wall" columns show it.
"""

import argparse
import json
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import fx  # noqa: E402
from bench.run import TIERS, environment  # noqa: E402


def measure(label: str, call, runs: int, results: list) -> None:
    for i in range(5):
        call(i)
    cpu, wall = [], []
    for i in range(runs):
        c, w = time.process_time(), time.perf_counter()
        call(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    results.append((label, statistics.median(cpu) * 1000, statistics.median(wall) * 1000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    os.environ.update(environment(f"er_bench_{args.tier}"))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from enforcement.rules import RestrictionCategory
    from listings import checks, feed
    from listings.models import CarrierKey
    from listings.services.checks import carrier_checks_answer

    carrier, key = CarrierKey.objects.create_key(
        name="bench profile", organisation="Benchmark carrier", categories=set(RestrictionCategory.values)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number FROM listings_restrictionsubject s JOIN enforcement_party p ON p.id = s.party_id "
            "ORDER BY s.id DESC LIMIT 1000"
        )
        numbers = list(dict.fromkeys(row[0] for row in cursor.fetchall()))
        cursor.execute(
            "SELECT case_number FROM listings_listingdecision WHERE status = 'in_force' AND published_at IS NOT NULL "
            "ORDER BY id DESC LIMIT 100"
        )
        cases = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT max(id) FROM listings_feedevent")
        top = cursor.fetchone()[0]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "content_type": "application/json"}
    batch = json.dumps({"category": "air_travel", "id_numbers": numbers})
    results: list = []
    runs = args.runs
    measure("http: bare Django view", lambda i: client.get("/bench/constant/"), runs, results)
    measure("  carrier key lookup (get_from_key)", lambda i: CarrierKey.objects.get_from_key(key), runs, results)
    measure(
        "  check service, 1 number",
        lambda i: carrier_checks_answer(key=carrier, category="air_travel", id_numbers=[numbers[i % len(numbers)]]),
        runs,
        results,
    )
    measure(
        "http: single check",
        lambda i: client.post(
            "/api/v1/checks/", json.dumps({"id_number": numbers[i % len(numbers)], "category": "air_travel"}), **api
        ),
        runs,
        results,
    )
    few = max(5, runs // 4)
    measure(f"  clean {len(numbers)} numbers", lambda i: checks.cleaned(numbers), few, results)
    secret = checks.hmac_key()
    measure(
        f"  HMAC {len(numbers)} numbers",
        lambda i: [checks.id_number_hmac(n, key=secret) for n in numbers],
        few,
        results,
    )
    measure(
        f"  check service, {len(numbers)} numbers",
        lambda i: carrier_checks_answer(key=carrier, category="air_travel", id_numbers=numbers),
        few,
        results,
    )
    measure(
        f"http: batch check of {len(numbers)}",
        lambda i: client.post("/api/v1/checks/batch/", batch, **api),
        few,
        results,
    )
    step = max(1, (top - 2000) // runs)
    measure("  feed.read, 1,000 events", lambda i: feed.read(after=(0, i * step)), runs, results)
    measure(
        "http: feed page of 1,000",
        lambda i: client.get(f"/api/v1/changes/?after={feed.encode_cursor((0, i * step))}", **api),
        runs,
        results,
    )
    measure(
        "http: search by case number",
        lambda i: client.get("/?" + urllib.parse.urlencode({"case_number": cases[i % len(cases)]})),
        runs,
        results,
    )
    # The check statement as the application runs it (planned at each execution: Django sets psycopg's
    # prepare_threshold to None), and prepared with PostgreSQL's generic plan forced.
    import psycopg

    from bench.child import capture

    sql, params = capture(
        lambda: carrier_checks_answer(key=carrier, category="air_travel", id_numbers=[numbers[0]]), match="WITH hits"
    )
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    for label, mode, prepare in (
        ("  check statement, planned each time (as the app runs it)", "auto", False),
        ("  check statement, prepared, generic plan forced", "force_generic_plan", True),
    ):
        with psycopg.connect(url, autocommit=True) as raw:
            raw.execute(f"SET plan_cache_mode = {mode}")

            def run(i, raw=raw, prepare=prepare):
                values = list(params)
                values[0] = numbers[i % len(numbers)]
                raw.execute(sql, values, prepare=prepare).fetchall()

            measure(label, run, runs, results)
    # Validation of intake rows, in Python only (no database): microseconds per row.
    import datetime

    from bench import intake as bench_intake
    from enforcement.models import Court
    from enforcement.services import intake as service

    court = Court.objects.filter(level="basic").order_by("id").first()
    data, _bad = bench_intake.build_file(rows=5000, seed=11, court_code=court.code)
    rows = list(service._csv_rows(data.decode(), []))
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date, as the service uses

    def validate(i):
        service._checked_party.cache_clear()
        for line, row in rows:
            service._judgment(line, row, court, today)

    measure(f"  intake: validate {len(rows):,} rows (Python only)", validate, 3, results)
    print(f"Tier {args.tier}, median of {runs} (batch: {few}) in one process; `.venv/bin/python bench/profile.py "
          f"--tier {args.tier} --runs {runs}`\n")  # fmt: skip
    print("| what | CPU ms | wall ms |\n|---|---|---|")
    for label, cpu, wall in results:
        print(f"| {label} | {fx(cpu, 2)} | {fx(wall, 2)} |")
    print()
    request = lambda: client.post("/api/v1/checks/batch/", batch, **api)  # noqa: E731
    print(collections_of(request, f"batch check of {len(numbers)}, as loaded"))
    import gc

    gc.freeze()  # what config/wsgi.py does once the application is loaded
    print(collections_of(request, f"batch check of {len(numbers)}, after gc.freeze()"))


def collections_of(call, label: str, runs: int = 200) -> str:
    """The requests' wall times beside Python's full (generation 2) garbage collections during them: does a
    collection make the tail?"""
    import gc

    pauses, began, walls, slow = [], [0.0], [], []

    def timed(phase, info):
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append((time.perf_counter() - began[0]) * 1000)

    gc.callbacks.append(timed)
    try:
        for _ in range(runs):
            before, started = len(pauses), time.perf_counter()
            call()
            walls.append((time.perf_counter() - started) * 1000)
            slow.append(len(pauses) > before)
    finally:
        gc.callbacks.remove(timed)
    cut = statistics.quantiles(walls, n=100)[89]
    tail = [collected for wall, collected in zip(walls, slow, strict=True) if wall >= cut]
    return (
        f"{label}, {runs} requests: wall p50 {fx(statistics.median(walls), 2)} ms, p95 "
        f"{fx(statistics.quantiles(walls, n=100)[94], 2)} ms; {len(pauses)} full collections, pause median "
        f"{fx(statistics.median(pauses), 2) if pauses else '-'} ms, max {fx(max(pauses), 2) if pauses else '-'} ms; "
        f"of the slowest 10% of requests, {sum(tail)} of {len(tail)} ran one"
    )


if __name__ == "__main__":
    main()
