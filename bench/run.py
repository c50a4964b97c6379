"""Run a benchmark tier: each scenario beside its floor, measured in the same run, written as Markdown and JSON.

    .venv/bin/python bench/run.py --tier 1m             # generate 1,000,000 cases (unless present) and measure
    .venv/bin/python bench/run.py --tier 20k --smoke    # CI: the harness works and the plans use indexes
    .venv/bin/python bench/run.py --summary             # the comparisons across tiers, from bench/out/*.json

HTTP scenarios run against gunicorn (production settings, 2 sync workers, persistent database connections)
with wrk in a separate process, twice: latency (p50/p95/p99) with one connection, so it is the service time
without queueing, and throughput with the server saturated (--connections). Each is beside its floors: the
same statement as raw SQL through psycopg (captured from the application, see bench/child.py), and a bare
Django view returning a constant JSON under the same server settings. The carriers' scenarios use a real API
key created in the bench database. In-process scenarios (the daily jobs, bulk intake, the open-data export)
run in a process of their own and report rows per second and that process's peak memory. Results go to
bench/out/<tier>.{json,md} (or --out); docs/benchmarks.md quotes them.
"""

import argparse
import base64
import json
import os
import pickle
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import down, fx, pct  # noqa: E402 - bench/ is run as a script

OUT = ROOT / "bench" / "out"
TIERS = {"20k": 20_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PYTHON = sys.executable
# The tables a hot query must never read whole.
BIG_TABLES = (
    "listings_listingdecision", "enforcement_enforcementcase", "enforcement_party", "listings_restrictionsubject",
    "listings_restrictionorder", "enforcement_auditentry", "listings_feedevent", "listings_carriercheck",
    "enforcement_responsibleperson",
)  # fmt: skip

LUA = """
local requests = {%(requests)s}
local i = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("offset", threads * 97) end
init = function(args) i = (offset or 0) %% #requests end
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  return wrk.format(r[1], r[2], r[4], r[3])
end
done = function(summary, latency, requests)
  io.write(string.format('BENCH {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def environment(database: str, *, server: str = SERVER) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"{server}/{database}",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "*",
        "PUBLIC_SITE_URL": "http://127.0.0.1",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9"),
        "CELERY_BROKER_URL": "",
        "DB_CONN_MAX_AGE": "600",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict, workers: int = 2):
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env={**env}, start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/bench/constant/", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def worker_peak_rss_mb(self) -> float:
        peaks = []
        for child in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
        return max(peaks) if peaks else 0.0

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url: str, requests: list[tuple], *, duration: int, connections: int, threads: int = 2) -> dict:
    body = ", ".join(
        "{" + ", ".join([lua_string(method), lua_string(path), "nil" if body is None else lua_string(body),
                         "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}"])
        + "}"
        for method, path, body, headers in requests
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"requests": body})
    try:
        result = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    data = json.loads(line[6:])
    seconds = data["duration_us"] / 1e6
    return {
        "p50_ms": data["p50"] / 1000,
        "p95_ms": data["p95"] / 1000,
        "p99_ms": data["p99"] / 1000,
        "throughput": down(data["requests"] / seconds, 1),
        "requests": data["requests"],
        "errors": data["non2xx"] + data["socket_errors"],
    }


def sql_floor(sql: str, params, *, database: str, runs: int) -> dict:
    """The same statement, as raw SQL through psycopg on one connection: latency percentiles and throughput."""
    import psycopg

    timings = []
    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as conn:
        for _ in range(5):
            conn.execute(sql, params).fetchall()
        started = time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            conn.execute(sql, params).fetchall()
            timings.append((time.perf_counter() - t) * 1000)
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(timings, n=100)
    return {"p50_ms": down(quantiles[49], 3), "p95_ms": down(quantiles[94], 3), "p99_ms": down(quantiles[98], 3),
            "throughput": down(runs / elapsed, 1)}  # fmt: skip


def scans_of(plan: dict) -> list[str]:
    scans = []

    def walk(node):
        if "Scan" in node["Node Type"]:
            scans.append(f"{node['Node Type']} {node.get('Relation Name', '')} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return scans


def big_sequential(scans: list[str]) -> list[str]:
    return [scan for scan in scans if scan.startswith("Seq Scan") and scan.split()[2] in BIG_TABLES]


def explain(sql: str, params, *, database: str) -> dict:
    """The plan's scans and, for the record, the plan as text with actual times (EXPLAIN ANALYZE runs the
    statement once). Twice: as the planner chooses it, and with sequential scans disabled. A sequential scan of
    a big table left in the second means no index can serve the query: a failure at any tier. In the first it
    is a failure on a big data set; on a small one a sequential scan can be the planner's right choice, e.g. for
    a batch of 1,000 numbers against a table of 100,000 parties."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as conn:
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
        text = "\n".join(row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall())
        conn.execute("SET enable_seqscan = off")
        forced = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    scans = scans_of(plan)
    return {
        "scans": scans,
        "sequential_scans_of_big_tables": big_sequential(scans),
        "without_index": big_sequential(scans_of(forced)),
        "text": text,
    }


def child(name: str, env: dict, **arguments) -> dict:
    """Run `bench.child NAME` in its own process; its result, wall time and peak RSS (from the kernel)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "-m", "bench.child", name, json.dumps(arguments, ensure_ascii=False)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = status
    if status != 0:
        raise RuntimeError(f"bench.child {name} failed ({status}): {output[-2000:]}")
    result = json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("RESULT "))[7:])
    return {**result, "seconds": down(time.monotonic() - started, 2), "peak_rss_mb": down(usage.ru_maxrss / 1024, 1)}


# What the cluster did: WAL written (bytes, full-page images), checkpoints, buffers a backend had to write itself
# (shared_buffers full of dirty pages), and this database's blocks read from outside shared_buffers. Cumulative
# counters: a scenario's share is the difference around it (cluster-wide ones count only the bench on a quiet
# machine). Backends report them every second while busy, 10 s after going idle, and at exit.
COUNTERS_SQL = (
    "SELECT w.wal_bytes, w.wal_fpi, b.checkpoints_timed + b.checkpoints_req, b.buffers_backend, d.blks_read, "
    "d.blks_hit FROM pg_stat_wal w, pg_stat_bgwriter b, pg_stat_database d WHERE d.datname = current_database()"
)
COUNTERS = ("wal_bytes", "wal_fpi", "checkpoints", "backend_writes", "blocks_read", "blocks_hit")
SETTLE_SECONDS = 10.5  # --smoke: 1 (its figures are not quoted)


def database_counters(database: str, *, server: str = SERVER) -> dict:
    import psycopg

    with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
        return read_counters(conn.cursor())


def read_counters(cursor) -> dict:
    """COUNTERS, read with `cursor` (psycopg's, or Django's in a child process)."""
    cursor.execute(COUNTERS_SQL)
    return dict(zip(COUNTERS, (int(v) for v in cursor.fetchone()), strict=True))


def database_work(before: dict, database: str, units: int) -> dict:
    """The database's work since `before`, per unit (a request, a judgment, an entry)."""
    # A busy backend reports its counts every second; the last second's, once idle for 10 s (PGSTAT_IDLE_INTERVAL).
    time.sleep(SETTLE_SECONDS)
    return work_per_unit(before, database_counters(database), units)


def work_per_unit(before: dict, after: dict, units: int) -> dict:
    d = {name: after[name] - before[name] for name in COUNTERS}
    units = max(1, units)
    touched = d["blocks_read"] + d["blocks_hit"]
    return {
        "units": units,
        "wal_kb_per_unit": down(d["wal_bytes"] / 1024 / units, 2),
        "full_page_images_per_unit": down(d["wal_fpi"] / units, 3),
        "blocks_read_per_unit": down(d["blocks_read"] / units, 2),
        "shared_buffer_hit_ratio": down(d["blocks_hit"] / touched, 4) if touched else None,
        "backend_writes": d["backend_writes"],
        "checkpoints": d["checkpoints"],
    }


def database_state(database: str, cases: int, *, server: str = SERVER) -> str:
    """ "ready", "behind" (built before a migration that exists now: migrate it forward, as a deployment would,
    rather than spend an hour rebuilding ten million cases) or "missing" (absent, or of another size or shape)."""
    import psycopg

    from bench.generate import GENERATOR_VERSION, schema_version

    try:
        with psycopg.connect(f"{server}/{database}", connect_timeout=3) as conn:
            row = conn.execute("SELECT cases, version, schema FROM bench_dataset").fetchone()
    except psycopg.Error:
        return "missing"
    if row is None or row[:2] != (cases, GENERATOR_VERSION):
        return "missing"
    return "ready" if row[2] == schema_version() else "behind"


def prewarm(database: str, *, server: str = SERVER, vacuum: bool = True) -> float:
    """Vacuum what earlier runs' jobs and intakes left dead, then read every table and index of the data set
    into the operating system's page cache (pg_prewarm, 'read'): a tier is measured as a server in service is
    (autovacuum done, data warm), not after whatever ran last. (The first 1M runs of issue 15 met SQL floors of
    60-110 ms for searches that cost 1.6 ms: 2.5 million dead parties from rolled-back intake runs made the
    planner walk their index ends.) Returns the seconds it took. On a hot standby (`vacuum` false) only the
    reading: the vacuum is the primary's, replayed, and the extension is the primary's too."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
        if vacuum:
            # As autovacuum keeps a server in service: no dead row versions left by an earlier run's daily jobs.
            conn.execute(
                "VACUUM (ANALYZE) enforcement_party, enforcement_enforcementcase, listings_listingdecision, "
                "listings_restrictionorder"
            )
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        conn.execute(
            "SELECT pg_prewarm(c.oid, 'read') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')"
        )
    return down(time.monotonic() - started, 1)


def migrate_forward(database: str, *, server: str = SERVER) -> None:
    import psycopg

    from bench.generate import migrate, schema_version

    migrate(f"{server}/{database}")
    with psycopg.connect(f"{server}/{database}") as conn:
        conn.execute("UPDATE bench_dataset SET schema = %s", [schema_version()])


def data_set(database: str, cases: int, *, generate: bool, server: str = SERVER) -> dict:
    """The tier's data set in `database`: reused if ready, migrated forward if built before a migration that
    exists now, else (or if `generate`) generated. What was done, for the report."""
    state = database_state(database, cases, server=server)
    if state == "behind" and not generate:
        print(f"migrating {database} forward ...", flush=True)
        started = time.monotonic()
        migrate_forward(database, server=server)
        return {"migrated_forward_seconds": down(time.monotonic() - started, 1)}
    if generate or state == "missing":
        print(f"generating {cases:,} cases into {database} ...", flush=True)
        started = time.monotonic()
        subprocess.run([PYTHON, "bench/generate.py", "--cases", str(cases), "--database", database,
                        "--server", server], cwd=ROOT, check=True)  # fmt: skip
        return {"generation_seconds": down(time.monotonic() - started, 1)}
    return {}


def server_facts(database: str, *, server: str = SERVER) -> dict:
    import psycopg

    with psycopg.connect(f"{server}/{database}") as conn:
        return {
            "database_size": conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0],
            "postgres": conn.execute("SHOW server_version").fetchone()[0],
            "shared_buffers": conn.execute("SHOW shared_buffers").fetchone()[0],
        }


def report_header(script: str, tier: str) -> dict:
    """What every report starts with: the tier, date, machine, load average at start, command and commit."""
    return {
        "tier": tier,
        "cases": TIERS[tier],
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "command": " ".join([f".venv/bin/python {script}", *sys.argv[1:]]),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def check_numbers(data: dict, rng: random.Random) -> tuple[list, list, dict]:
    """The numbers the checks ask about: half restricted (debtors and responsible persons), half nobody holds;
    ten batches of 1,000 of them; and their description for the report."""
    mixed = [number for pair in zip(data["restricted"], data["unknown"], strict=True) for number in pair]
    batches = [rng.sample(mixed, min(1000, len(mixed))) for _ in range(10)]
    check_mix = {
        "restricted_share": 0.5,
        "restricted_sample_officers": data["restricted_officers"],
        "restricted_sample": len(data["restricted"]),
        "batch_size": len(batches[0]),
    }
    return mixed, batches, check_mix


def http_scenarios(url: str, data: dict, key: str, rng: random.Random, mixed: list, batches: list) -> dict:
    """Each HTTP scenario's requests (method, path, body, headers), for the server at `url` (a search form's
    CSRF cookie and token are its own)."""
    rows = data["rows"]
    csrf = urllib.request.urlopen(url + "/")
    cookie = csrf.headers["Set-Cookie"].split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', csrf.read().decode()).group(1)
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Accept-Language": "zh-hans"}  # fmt: skip
    plain = {"Accept-Language": "zh-hans"}
    api = {"Content-Type": "application/json", "Authorization": f"Api-Key {key}"}
    pick = rng.sample(rows, min(500, len(rows)))
    return {
        "bare_view_floor": [("GET", "/bench/constant/", None, plain)],
        "search_id_number": [("POST", "/", f"csrfmiddlewaretoken={token}&id_number={r[1]}", form) for r in pick],
        "search_case_number": [("GET", "/?" + urllib.parse.urlencode({"case_number": r[2]}), None, plain)
                               for r in pick],
        "search_name": [("GET", "/?" + urllib.parse.urlencode({"name": data["name"]}), None, plain)],
        "entry_page": [("GET", f"/entries/{r[0]}/", None, plain) for r in pick],
        "check_single": [("POST", "/api/v1/checks/", json.dumps({"id_number": n, "category": "air_travel"}), api)
                         for n in mixed[:1000]],
        "check_batch": [("POST", "/api/v1/checks/batch/",
                         json.dumps({"category": "air_travel", "id_numbers": batch}), api) for batch in batches],
        "feed_page": [("GET", f"/api/v1/changes/?after={cursor}", None, api) for cursor in data["cursors"]],
    }  # fmt: skip


def latency_and_throughput(url: str, requests: list[tuple], *, duration: int, connections: int) -> dict:
    """Latency with one client at a time (service time, no queueing); throughput with the server saturated."""
    result = wrk(url, requests, duration=duration, connections=1, threads=1)
    saturated = wrk(url, requests, duration=duration, connections=connections)
    return result | {"throughput": saturated["throughput"], "saturated_p95_ms": saturated["p95_ms"],
                     "errors": result["errors"] + saturated["errors"],
                     "saturated_requests": saturated["requests"]}  # fmt: skip


def unpickle(text: str):
    return pickle.loads(base64.b64decode(text))  # noqa: S301 - our own child process's output


def run(args) -> dict:
    cases = TIERS[args.tier]
    database = f"er_bench_{args.tier}"
    env = environment(database)
    report = {**report_header("bench/run.py", args.tier), "scenarios": {}}
    report |= data_set(database, cases, generate=args.generate)
    report |= server_facts(database)
    report["prewarm_seconds"] = prewarm(database)

    data = child("samples", env)
    key = child("carrier_key", env)["key"]
    rows = data["rows"]
    rng = random.Random(7)
    report["common_name"] = {"name": data["name"], "public_rows": data["name_rows"]}
    report["feed_events"] = data["feed_events"]
    # Checks: half of the numbers asked are restricted (debtors and responsible persons), half nobody holds.
    mixed, batches, report["check_mix"] = check_numbers(data, rng)

    # SQL floors and plans, for the very statements the endpoints run.
    sample = {"id": rows[0][1], "case": rows[0][2], "name": data["name"], "entry": rows[0][0],
              "check": [data["restricted"][0]], "batch": batches[0], "cursor": data["cursors"][0]}  # fmt: skip
    sql = {name: unpickle(text) for name, text in child("statements", env, sample=sample).items()
           if name not in ("seconds", "peak_rss_mb")}  # fmt: skip
    plans, floors = {}, {}
    for name, (text, params) in sql.items():
        plans[name] = explain(text, params, database=database)
        floors[name] = sql_floor(text, params, database=database, runs=args.sql_runs)
    report["plans"] = plans
    report["primary_key_lookup_floor"] = floors.pop("primary_key_lookup")

    duration = args.duration
    server = Gunicorn(env)
    try:
        http = http_scenarios(server.url, data, key, rng, mixed, batches)
        for name, requests in http.items():
            before = database_counters(database)
            result = latency_and_throughput(server.url, requests, duration=duration, connections=args.connections)
            result["database"] = database_work(before, database, result["requests"] + result["saturated_requests"])
            result["floor"] = floors.get(name)
            report["scenarios"][name] = result
            print(f"{name}: {result}", flush=True)
        report["web_worker_peak_rss_mb"] = down(server.worker_peak_rss_mb(), 1)
    finally:
        server.stop()
    partial(args, report)
    for name, r in report["scenarios"].items():
        if name != "bare_view_floor":
            r["throughput_vs_bare_view"] = down(
                r["throughput"] / report["scenarios"]["bare_view_floor"]["throughput"], 3
            )

    # The daily jobs over the rows due, at two sizes (the second twice the first).
    size = args.job_size or max(100, cases // 200)
    report["scenarios"]["daily_jobs"] = child("jobs", env, sizes=[size, 2 * size])
    partial(args, report)
    # Bulk intake of judgments through the real service.
    before = database_counters(database)
    intake = child("intake", env, rows=args.intake_rows)
    intake["database"] = database_work(before, database, intake["rows"])
    report["scenarios"]["bulk_intake"] = intake
    partial(args, report)
    # The open-data export, in its own process: time and peak memory.
    before = database_counters(database)
    with tempfile.TemporaryDirectory() as folder:
        export = child("export", {**env, "OPEN_DATA_ROOT": folder})
    export["database"] = database_work(before, database, export["rows"])
    export["rows_per_second"] = down(export["rows"] / export["export_seconds"], 1) if export["export_seconds"] else None
    report["scenarios"]["open_data_export"] = export

    return report


def partial(args, report: dict) -> None:
    """What is measured so far (a 10M run takes over an hour): bench/out/<tier>.partial.json."""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.tier}.partial.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))


def verdicts(report: dict) -> list[tuple[str, str, str, bool]]:
    """(scenario, target, measured, met) for issue 15's targets that one tier can judge alone."""
    s = report["scenarios"]
    out = []

    def near_floor(name: str, bound_ms: float, times: float = 3) -> None:
        r = s[name]
        ratio = r["p95_ms"] / r["floor"]["p95_ms"]
        out.append((name, f"p95 <= {bound_ms:g} ms and <= {times:g}x the SQL floor",
                    f"p95 {fx(r['p95_ms'], 2)} ms, {fx(ratio, 2)}x floor", r["p95_ms"] <= bound_ms and ratio <= times))  # fmt: skip

    for name in ("search_id_number", "search_case_number", "entry_page"):
        near_floor(name, 10)
    r = s["search_name"]
    out.append(("search_name", "p95 <= 50 ms (flatness: see --summary)", f"p95 {fx(r['p95_ms'], 2)} ms",
                r["p95_ms"] <= 50))  # fmt: skip
    r = s["check_single"]
    out.append(("check_single", "throughput >= 60% of the bare Django view",
                f"{fx(r['throughput'], 0)} vs {fx(s['bare_view_floor']['throughput'], 0)} req/s = "
                f"{pct(r['throughput_vs_bare_view'])}", r["throughput_vs_bare_view"] >= 0.6))  # fmt: skip
    pk = report.get("primary_key_lookup_floor")
    if pk:
        ratio = r["floor"]["p50_ms"] / pk["p50_ms"]
        out.append(("check_single", "its SQL <= 3x a primary-key lookup (p50)",
                    f"{fx(r['floor']['p50_ms'], 3)} vs {fx(pk['p50_ms'], 3)} ms = {fx(ratio, 2)}x", ratio <= 3))  # fmt: skip
    r = s["check_batch"]
    out.append(("check_batch", "p95 <= 50 ms", f"p95 {fx(r['p95_ms'], 2)} ms", r["p95_ms"] <= 50))
    near_floor("feed_page", 30)
    runs = s["daily_jobs"]["runs"]
    slowest = min(run["transitions_per_second"] or 0 for run in runs)
    per_row = [run["seconds"] / max(1, run["transitions"]) for run in runs]
    linear = per_row[-1] <= per_row[0] * 1.25
    out.append(("daily_jobs", ">= 10,000 transitions/s with audit rows and feed events, linear in rows due",
                f"{fx(slowest, 0)}/s (slowest size); cost per row {fx(per_row[0] * 1e6, 0)} us at "
                f"{runs[0]['transitions']:,} vs {fx(per_row[-1] * 1e6, 0)} us at {runs[-1]['transitions']:,}",
                slowest >= 10_000 and linear))  # fmt: skip
    idle = max(run["safety_net_seconds"] for run in runs)
    out.append(("daily_jobs", "a run with nothing due < 1 s", f"{fx(idle, 3)} s (the safety net, slowest)", idle < 1))
    r = s["bulk_intake"]
    out.append(("bulk_intake", ">= 10,000 judgments/s, validated, parties matched",
                f"{fx(r['judgments_per_second'], 0)}/s", r["judgments_per_second"] >= 10_000))  # fmt: skip
    r = s["open_data_export"]
    out.append(("open_data_export", ">= 20,000 entries/s (constant memory: see --summary)",
                f"{fx(r['rows_per_second'], 0)}/s, peak RSS {r['peak_rss_mb']} MB", r["rows_per_second"] >= 20_000))  # fmt: skip
    out.append(("web_worker", "peak RSS <= 200 MB", f"{report['web_worker_peak_rss_mb']} MB",
                report["web_worker_peak_rss_mb"] <= 200))  # fmt: skip
    return out


def markdown(report: dict) -> str:
    lines = [
        f"### Tier {report['tier']} ({report['cases']:,} cases)",
        "",
        f"- Machine: {report['machine']}; PostgreSQL {report.get('postgres')} (shared_buffers "
        f"{report.get('shared_buffers')}); database {report.get('database_size')}",
        f"- Data set read into the page cache before measuring (pg_prewarm): {report.get('prewarm_seconds')} s",
        f"- Date: {report['date']}; load average at start {', '.join(f'{fx(x, 2)}' for x in report['load_average_at_start'])}",
        f"- Command: `{report['command']}` at commit {report.get('commit', '?')}",
        f"- Common name searched: {report['common_name']['name']} ({report['common_name']['public_rows']:,} public "
        "entries)",
        f"- Checks: half restricted (of {report['check_mix']['restricted_sample']:,} drawn, "
        f"{report['check_mix']['restricted_sample_officers']:,} responsible persons of organisations), half valid "
        f"numbers nobody holds; batches of {report['check_mix']['batch_size']:,}; feed of "
        f"{report['feed_events']:,} events, pages of 1,000 from random cursors",
        "",
        "| scenario | p50 ms | p95 ms | p99 ms | req/s (saturated) | vs bare view | p95 saturated ms | errors | "
        "SQL floor p50 ms | SQL floor p95 ms | SQL floor req/s | p95 / SQL floor p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["scenarios"].items():
        if "p95_ms" not in r:
            continue
        floor = r.get("floor") or {}
        ratio = f"{fx(r['p95_ms'] / floor['p95_ms'], 2)}x" if floor.get("p95_ms") else ""
        vs = f"{pct(r['throughput_vs_bare_view'])}" if "throughput_vs_bare_view" in r else ""
        lines.append(
            f"| {name} | {fx(r['p50_ms'], 2)} | {fx(r['p95_ms'], 2)} | {fx(r['p99_ms'], 2)} | {fx(r['throughput'], 0)} | {vs} | "
            f"{fx(r.get('saturated_p95_ms', 0), 2)} | {r['errors']} | {floor.get('p50_ms', '')} | "
            f"{floor.get('p95_ms', '')} | {floor.get('throughput', '')} | {ratio} |"
        )
    s = report["scenarios"]
    lines.append("")
    lines.append(
        f"- Web worker peak RSS under load (max over the 2 gunicorn workers): {report['web_worker_peak_rss_mb']} MB"
    )
    pk = report.get("primary_key_lookup_floor")
    if pk:
        lines.append(f"- A primary-key lookup (a listing by its id), the check's SQL floor's own floor: p50 "
                     f"{pk['p50_ms']} ms, p95 {pk['p95_ms']} ms, {pk['throughput']} req/s")  # fmt: skip
    e = s["open_data_export"]
    lines.append(f"- Open-data export: {e['rows']:,} entries (CSV + JSON Lines) in {e['export_seconds']} s "
                 f"({fx(e['rows_per_second'], 0)}/s); peak RSS of the process {e['peak_rss_mb']} MB")  # fmt: skip
    i = s["bulk_intake"]
    lines.append(f"- Bulk intake: {i['rows']:,} judgments ({i['file_mb']} MB CSV) in {i['intake_seconds']} s = "
                 f"{fx(i['judgments_per_second'], 0)}/s; {i['created']:,} opened, {i['rejected']:,} rejected "
                 f"({i['built_to_be_rejected']:,} built with a wrong check character), {i['parties_created']:,} "
                 f"parties registered; peak RSS {i['peak_rss_mb']} MB")  # fmt: skip
    lines.append("")
    lines.append("Daily jobs (the rows due made by bench/jobs.py, run on the next day):")
    lines.append("")
    lines.append("| due per sweep | transitions | audit rows | feed events | seconds | transitions/s | "
                 "per sweep (s) | safety net, nothing due (s) |")  # fmt: skip
    lines.append("|---|---|---|---|---|---|---|---|")
    for run in s["daily_jobs"]["runs"]:
        per = "; ".join(
            f"{name} {j['seconds']}" for name, j in run["jobs"].items() if name != "end_sanctions_of_ended_cases"
        )
        lines.append(f"| {run['due_per_sweep']:,} | {run['transitions']:,} | {run['audit_rows']:,} | "
                     f"{run['feed_events']:,} | {run['seconds']} | {fx(run['transitions_per_second'], 0)} | {per} | "
                     f"{run['safety_net_seconds']} |")  # fmt: skip
    lines.append("")
    lines.append("The database's work per request (HTTP), transition (jobs), judgment (intake) or entry (export), "
                 "from PostgreSQL's counters around each scenario (the jobs': around their sweeps, both sizes):")  # fmt: skip
    lines.append("")
    lines.append("| scenario | units | WAL kB | full-page images | blocks read (not in shared_buffers) | "
                 "shared_buffers hit ratio | buffers written by backends | checkpoints |")  # fmt: skip
    lines.append("|---|---|---|---|---|---|---|---|")
    for name, r in s.items():
        if w := r.get("database"):
            ratio = pct(w["shared_buffer_hit_ratio"]) if w["shared_buffer_hit_ratio"] is not None else ""
            lines.append(f"| {name} | {w['units']:,} | {fx(w['wal_kb_per_unit'], 2)} | "
                         f"{fx(w['full_page_images_per_unit'], 3)} | {fx(w['blocks_read_per_unit'], 2)} | {ratio} | "
                         f"{w['backend_writes']:,} | {w['checkpoints']} |")  # fmt: skip
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    for name, target, measured, met in verdicts(report):
        lines.append(f"| {name}: {target} | {measured} | {'met' if met else '**not met**'} |")
    lines.append("")
    lines.append("Plans (scans used by the hot queries):")
    lines.append("")
    for name, plan in report["plans"].items():
        lines.append(f"- {name}: {'; '.join(plan['scans'])}")
    return "\n".join(lines) + "\n"


def summary(out: Path) -> str:
    """What only two tiers can show: the name search's flatness and the export's constant memory."""
    reports = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}
    order = [tier for tier in TIERS if tier in reports]
    lines = ["| tier | search_name p95 ms | export peak RSS MB | web worker peak RSS MB |", "|---|---|---|---|"]
    for tier in order:
        r = reports[tier]
        lines.append(f"| {tier} | {fx(r['scenarios']['search_name']['p95_ms'], 2)} | "
                     f"{r['scenarios']['open_data_export']['peak_rss_mb']} | {r['web_worker_peak_rss_mb']} |")  # fmt: skip
    if "100k" in reports and len(order) > 1:
        base, big = reports["100k"], reports[order[-1]]
        name = big["scenarios"]["search_name"]["p95_ms"] / base["scenarios"]["search_name"]["p95_ms"]
        rss = big["scenarios"]["open_data_export"]["peak_rss_mb"] / base["scenarios"]["open_data_export"]["peak_rss_mb"]
        lines += ["", f"- search_name p95 {order[-1]} / 100k: {fx(name, 2)} (target <= 1.5): {'met' if name <= 1.5 else 'not met'}",
                  f"- export peak RSS {order[-1]} / 100k: {fx(rss, 2)} (target <= 1.2): {'met' if rss <= 1.2 else 'not met'}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def plan_failures(report: dict) -> dict:
    """Hot queries no index serves (any tier), or that the planner runs by a sequential scan of a big table on
    a data set of a million cases or more (below, reading a table whole can be the planner's right choice)."""
    failures = {}
    for name, plan in report["plans"].items():
        bad = plan["without_index"] + (plan["sequential_scans_of_big_tables"] if report["cases"] >= 1_000_000 else [])
        if bad:
            failures[name] = sorted(set(bad))
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=TIERS)
    parser.add_argument("--generate", action="store_true", help="regenerate the data set even if present")
    parser.add_argument("--smoke", action="store_true", help="CI: short runs, small jobs and intake")
    parser.add_argument("--duration", type=int, default=15, help="seconds per HTTP measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sql-runs", type=int, default=500)
    parser.add_argument("--job-size", type=int, default=0, help="rows due per sweep (default: 0.5%% of cases)")
    parser.add_argument("--intake-rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--summary", action="store_true", help="compare the tiers in --out and stop")
    args = parser.parse_args()
    if args.summary:
        print(summary(args.out))
        return
    if not args.tier:
        parser.error("--tier is required")
    if args.smoke:
        global SETTLE_SECONDS
        args.duration, args.sql_runs, args.intake_rows = 2, 30, min(args.intake_rows, 2000)
        SETTLE_SECONDS = 1
    report = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.tier}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (args.out / f"{args.tier}.md").write_text(markdown(report))
    print(markdown(report))
    failures = plan_failures(report)
    errors = {name: r["errors"] for name, r in report["scenarios"].items() if r.get("errors")}
    if failures or errors:
        sys.exit(f"FAILED: sequential scans {failures}; HTTP errors {errors}")


if __name__ == "__main__":
    main()
