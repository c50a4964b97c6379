"""Run a benchmark tier: each scenario beside its floor, measured in the same run, written as Markdown and JSON.

    .venv/bin/python bench/run.py --tier 1m            # generate 1,000,000 cases (unless present) and measure
    .venv/bin/python bench/run.py --tier 100k --smoke  # CI: the harness works and the plans use indexes

HTTP scenarios run against gunicorn (production settings, 2 sync workers, persistent database connections)
with wrk in a separate process, twice: latency (p50/p95/p99) with one connection, so it is the service time
without queueing, and throughput with the server saturated (--connections). Each is beside its floor:
the same query as raw SQL through psycopg, and a bare Django view returning a constant JSON under the same
server settings. In-process scenarios (the daily jobs, the open-data export) report rows per second and the
peak memory of the process that did the work. Results go to bench/out/<tier>.{json,md}; docs/benchmarks.md
quotes them.
"""

import argparse
import json
import os
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
OUT = ROOT / "bench" / "out"
TIERS = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PYTHON = sys.executable

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


def environment(database: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"{SERVER}/{database}",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "*",
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
        "throughput": round(data["requests"] / seconds, 1),
        "requests": data["requests"],
        "errors": data["non2xx"] + data["socket_errors"],
    }


def sql_floor(sql: str, params, *, database: str, runs: int) -> dict:
    """The same query, as raw SQL through psycopg on one connection: latency percentiles and throughput."""
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
    return {"p50_ms": round(quantiles[49], 3), "p95_ms": round(quantiles[94], 3), "p99_ms": round(quantiles[98], 3),
            "throughput": round(runs / elapsed, 1)}  # fmt: skip


def explain(sql: str, params, *, database: str) -> dict:
    """The plan's node types; a sequential scan of a big table on a hot query is a failure."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{database}", autocommit=True) as conn:
        plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    scans = []

    def walk(node):
        if "Scan" in node["Node Type"]:
            scans.append(f"{node['Node Type']} {node.get('Relation Name', '')} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    big = ("listings_listingdecision", "enforcement_enforcementcase", "enforcement_party", "listings_restrictionsubject",
           "listings_restrictionorder", "enforcement_auditentry")  # fmt: skip
    seq = [scan for scan in scans if scan.startswith("Seq Scan") and scan.split()[2] in big]
    return {"scans": scans, "sequential_scans_of_big_tables": seq}


def child_run(code: str, env: dict) -> dict:
    """Run Python code in a child process; return its wall time and peak RSS (from the kernel, for that child)."""
    started = time.monotonic()
    process = subprocess.Popen([PYTHON, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read()
    if status != 0:
        raise RuntimeError(f"child failed ({status}): {output}")
    return {"seconds": round(time.monotonic() - started, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "output": output.strip().splitlines()[-1] if output.strip() else ""}  # fmt: skip


def database_ready(database: str, cases: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/{database}", connect_timeout=3) as conn:
            count = conn.execute("SELECT max(id) FROM enforcement_enforcementcase").fetchone()[0]
            dirty = conn.execute("SELECT count(*) FROM enforcement_jobrun").fetchone()[0]
            return count == cases and dirty == 0
    except psycopg.Error:
        return False


def samples(env: dict) -> dict:
    """Inputs drawn from the data: the commonest public name, public ID and case numbers, entry ids."""
    code = (
        "import django, json, random; django.setup()\n"
        "from django.db.models import Count\n"
        "from listings.models import ListingDecision, PUBLIC\n"
        "public = ListingDecision.objects.filter(PUBLIC)\n"
        "name = public.values('debtor_name').annotate(n=Count('id')).order_by('-n').first()\n"
        "rows = list(public.order_by('?').values_list('id', 'debtor_id_number', 'case_number')[:2000])\n"
        "print(json.dumps({'name': name['debtor_name'], 'name_rows': name['n'], 'rows': rows}))\n"
    )
    output = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def query_sql(env: dict) -> dict:
    """The SQL (and parameters) the pages run for each search and the entry page, compiled by Django."""
    code = (
        "import django, json; django.setup()\n"
        "from listings.selectors import public_listings\n"
        "import sys; s = json.loads(sys.argv[1])\n"
        "queries = {\n"
        "  'search_id_number': public_listings().filter(debtor_id_number=s['id']).order_by('-pk')[:21],\n"
        "  'search_case_number': public_listings().filter(case_number=s['case']).order_by('-pk')[:21],\n"
        "  'search_name': public_listings().filter(debtor_name=s['name']).order_by('-pk')[:21],\n"
        "  'entry_page': public_listings().filter(pk=s['entry']),\n"
        "}\n"
        "print(json.dumps({k: [str(q.query.sql_with_params()[0]), list(q.query.sql_with_params()[1])] "
        "for k, q in queries.items()}))\n"
    )
    return code


def run(args) -> dict:
    cases = TIERS[args.tier]
    database = f"er_bench_{args.tier}"
    env = environment(database)
    report = {
        "tier": args.tier,
        "cases": cases,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "command": " ".join(["bench/run.py", *sys.argv[1:]]),
        "scenarios": {},
    }
    if args.generate or not database_ready(database, cases):
        print(f"generating {cases:,} cases into {database} ...", flush=True)
        started = time.monotonic()
        subprocess.run([PYTHON, "bench/generate.py", "--cases", str(cases), "--database", database], cwd=ROOT,
                       check=True)  # fmt: skip
        report["generation_seconds"] = round(time.monotonic() - started, 1)
    data = samples(env)
    rows = data["rows"]
    rng = random.Random(7)
    report["common_name"] = {"name": data["name"], "public_rows": data["name_rows"]}

    # SQL floors and plans, for the very queries the pages run.
    sample = {"id": rows[0][1], "case": rows[0][2], "name": data["name"], "entry": rows[0][0]}
    compiled = subprocess.run([PYTHON, "-c", query_sql(env), json.dumps(sample)], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
    sql = json.loads(compiled.stdout.strip().splitlines()[-1])
    plans, floors = {}, {}
    for name, (text, params) in sql.items():
        plans[name] = explain(text, params, database=database)
        if not args.smoke:
            floors[name] = sql_floor(text, params, database=database, runs=args.sql_runs)
    report["plans"] = plans

    duration = 3 if args.smoke else args.duration
    server = Gunicorn(env)
    try:
        csrf = urllib.request.urlopen(server.url + "/")
        cookie = csrf.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', csrf.read().decode()).group(1)
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                "Accept-Language": "zh-hans"}  # fmt: skip
        plain = {"Accept-Language": "zh-hans"}
        pick = rng.sample(rows, min(500, len(rows)))
        http = {
            "bare_view_floor": [("GET", "/bench/constant/", None, plain)],
            "search_id_number": [("POST", "/", f"csrfmiddlewaretoken={token}&id_number={r[1]}", form) for r in pick],
            "search_case_number": [("GET", "/?" + urllib.parse.urlencode({"case_number": r[2]}), None, plain)
                                   for r in pick],
            "search_name": [("GET", "/?" + urllib.parse.urlencode({"name": data["name"]}), None, plain)],
            "entry_page": [("GET", f"/entries/{r[0]}/", None, plain) for r in pick],
        }  # fmt: skip
        for name, requests in http.items():
            # Latency with one client at a time (service time, no queueing); throughput with the server saturated.
            result = wrk(server.url, requests, duration=duration, connections=1, threads=1)
            saturated = wrk(server.url, requests, duration=duration, connections=args.connections)
            result |= {"throughput": saturated["throughput"], "saturated_p95_ms": saturated["p95_ms"],
                       "errors": result["errors"] + saturated["errors"]}  # fmt: skip
            result["floor"] = floors.get(name)
            report["scenarios"][name] = result
            print(f"{name}: {result}", flush=True)
        report["web_worker_peak_rss_mb"] = round(server.worker_peak_rss_mb(), 1)
    finally:
        server.stop()

    # The open-data export, in its own process: time and peak memory.
    with tempfile.TemporaryDirectory() as folder:
        export = child_run(
            "import django; django.setup()\nfrom listings import opendata\nimport os\n"
            "paths = opendata.export()\nprint(sum(1 for _ in open(paths['jsonl'])))",
            {**env, "OPEN_DATA_ROOT": folder},
        )
    export["rows"] = int(export.pop("output") or 0)
    export["rows_per_second"] = round(export["rows"] / export["seconds"], 1) if export["seconds"] else None
    report["scenarios"]["open_data_export"] = export

    if not args.smoke:
        # The daily jobs over the rows due in the generated data (this makes the data set "used": regenerate).
        jobs = child_run(
            "import django, json, time; django.setup()\n"
            "from enforcement.tasks import declare_defaults\nfrom listings.tasks import expire_listings\n"
            "t = time.monotonic(); a = declare_defaults(); b = expire_listings(); s = time.monotonic() - t\n"
            "print(json.dumps({'defaulted': a['defaulted'], 'expired': b['expired'], 'seconds': s}))",
            env,
        )
        moved = json.loads(jobs.pop("output"))
        jobs.update(moved)
        jobs["transitions_per_second"] = round((moved["defaulted"] + moved["expired"]) / moved["seconds"], 1)
        report["scenarios"]["daily_jobs"] = jobs
    return report


def markdown(report: dict) -> str:
    lines = [
        f"### Tier {report['tier']} ({report['cases']:,} cases)",
        "",
        f"- Machine: {report['machine']}",
        f"- Date: {report['date']}",
        f"- Command: `{report['command']}`",
        f"- Common name searched: {report['common_name']['name']} ({report['common_name']['public_rows']:,} public "
        "entries)",
        "",
        "| scenario | p50 ms | p95 ms | p99 ms | req/s (saturated) | p95 saturated ms | errors | SQL floor p50 ms | "
        "SQL floor p95 ms | p95 / SQL floor |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["scenarios"].items():
        if "p95_ms" not in r:
            continue
        floor = r.get("floor") or {}
        ratio = f"{r['p95_ms'] / floor['p95_ms']:.1f}x" if floor.get("p95_ms") else ""
        lines.append(
            f"| {name} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['throughput']:,.0f} | "
            f"{r.get('saturated_p95_ms', 0):.1f} | {r['errors']} | {floor.get('p50_ms', '')} | "
            f"{floor.get('p95_ms', '')} | {ratio} |"
        )
    for name, r in report["scenarios"].items():
        if "p95_ms" in r:
            continue
        lines.append("")
        lines.append(f"- {name}: " + ", ".join(f"{k} {v}" for k, v in r.items()))
    if "web_worker_peak_rss_mb" in report:
        lines.append(f"- web worker peak RSS under load: {report['web_worker_peak_rss_mb']} MB")
    lines.append("")
    lines.append("Plans (scans used by the hot queries):")
    lines.append("")
    for name, plan in report["plans"].items():
        lines.append(f"- {name}: {'; '.join(plan['scans'])}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--generate", action="store_true", help="regenerate the data set even if present")
    parser.add_argument("--smoke", action="store_true", help="CI: short runs, check plans, no timings judged")
    parser.add_argument("--duration", type=int, default=15, help="seconds per HTTP scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sql-runs", type=int, default=500)
    args = parser.parse_args()
    report = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.tier}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (OUT / f"{args.tier}.md").write_text(markdown(report))
    print(markdown(report))
    failures = {name: plan["sequential_scans_of_big_tables"] for name, plan in report["plans"].items()
                if plan["sequential_scans_of_big_tables"]}  # fmt: skip
    errors = {name: r["errors"] for name, r in report["scenarios"].items() if r.get("errors")}
    if failures or errors:
        sys.exit(f"FAILED: sequential scans {failures}; HTTP errors {errors}")


if __name__ == "__main__":
    main()
