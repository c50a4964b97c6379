"""The replica scenario (issue 16): a primary and a hot standby of its own, measured side by side in one run.

    .venv/bin/python bench/replicas.py --tier 1m            # private primary + hot standby, measured side by side
    .venv/bin/python bench/replicas.py --tier 20k --smoke   # CI: the harness works (tests/bench)

The harness starts a PostgreSQL cluster of its own on a free port (bench/clusters.py: initdb, run as `postgres`,
stock settings but for its port, listen address and socket folder) in /var/tmp/er-bench-replicas/<tier>/ (or
--clusters), generates the tier into it once (bench/generate.py; kept between runs, --generate rebuilds it), makes
a fresh hot standby of it (pg_basebackup -R -X stream) on a port of its own, waits until it has caught up, and
reads both into the page cache. Then, on the same data and machine, with run.py's settings (gunicorn with the
bench settings and 2 sync workers, wrk: latency with 1 connection, throughput saturated):

- the single check, the batch check and a public entry page, served with reads on the primary only (no
  DATABASE_REPLICA_URLS) and then with DATABASE_REPLICA_URLS=<the standby> (checks read on the standby and
  recorded on the primary by a second statement);
- proof that the standby answered (its pg_stat_database xact_commit for the bench database rises by at least the
  requests of the replica run) and that every check is recorded on the primary (listings_carriercheck);
- the CPU each part spends per request (the gunicorn workers; each cluster, its backends and replay included),
  from /proc, so that the web tier's cost per check is known;
- the check's statements, captured from the application (bench/child.py), saturated with pgbench (-M prepared,
  2 clients) against each database: the primary answering and recording (one statement, no replica), the
  standby answering (what one replica adds, where the database is the bound), the same read on the primary (a
  control), and the primary recording what a replica answered.

Results go to bench/out/replicas-<tier>.{json,md} (or --out). The clusters are stopped at the end and their
folder is left for the next run. The rows the run's checks add to the check log are deleted before each
measurement that writes there and at the end, so that every measurement, and the next run, writes into the check
log the data set had.
"""

import argparse
import contextlib
import fcntl
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clusters import PrivatePostgres, PrivateStandby  # noqa: E402 - bench/ is run as a script
from bench.figures import down, fx  # noqa: E402
from bench.run import (  # noqa: E402
    TIERS,
    Gunicorn,
    check_numbers,
    child,
    data_set,
    environment,
    http_scenarios,
    latency_and_throughput,
    prewarm,
    report_header,
    server_facts,
    unpickle,
)

OUT = ROOT / "bench" / "out"
BASE = Path("/var/tmp/er-bench-replicas")  # noqa: S108 - kept between runs (the 1M data set), not secret
SCENARIOS = ("check_single", "check_batch", "entry_page")
CONFIGURATIONS = {
    "primary": "reads on the primary only (no DATABASE_REPLICA_URLS)",
    "replica": "DATABASE_REPLICA_URLS=<the standby>: checks and the page read on the standby, checks recorded on the primary",
}
PGBENCH_CLIENTS = 2
CHECKS_SINCE = "SELECT count(*) FROM listings_carriercheck WHERE id >= %s"
# A busy backend reports its statistics every second, the last second's 10 s after it goes idle
# (PGSTAT_IDLE_INTERVAL), and all of them when it exits (gunicorn stopped). --smoke: 1 s (its figures are not quoted).
STATS_SETTLE_SECONDS = 10.5
EXIT_SETTLE_SECONDS = 1.5
MIN_STANDBY_SHARE = 0.95


# --- what the processes spend ---------------------------------------------------------------------------------------


def _ticks(pid: int) -> int:
    """utime + stime of `pid` and of the children it has waited for (cutime + cstime), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15])


def cpu_seconds(pid: int | None) -> float:
    """CPU seconds spent so far by the process `pid`, its live children and those it has reaped: a gunicorn master
    and its workers, or a postmaster and its backends (the standby's replay included)."""
    if pid is None:
        return 0.0
    try:
        total = _ticks(pid)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    for child_pid in children:
        with contextlib.suppress(FileNotFoundError):  # ended meanwhile: its time is in the parent's cutime (or lost)
            total += _ticks(int(child_pid))
    return total / os.sysconf("SC_CLK_TCK")


# --- what the databases did -----------------------------------------------------------------------------------------


def _query(url: str, sql: str, params=()):
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchone()


def snapshot(primary: PrivatePostgres, standby: PrivateStandby, web: Gunicorn | None, first_check: int) -> dict:
    """The counters a measurement is the difference of. Statistics are read from each server's `postgres`
    database, so that reading them adds nothing to the bench database's own."""
    from config.replicas import LAG_SQL

    stats = "SELECT xact_commit, tup_fetched, blks_hit + blks_read FROM pg_stat_database WHERE datname = %s"
    standby_stats = _query(f"{standby.server}/postgres", stats, [standby.database])
    primary_stats = _query(f"{primary.server}/postgres", stats, [primary.database])
    return {
        "standby_xact_commit": standby_stats[0],
        "standby_tup_fetched": standby_stats[1],
        "standby_blocks": standby_stats[2],
        "primary_xact_commit": primary_stats[0],
        "checks_recorded": _query(primary.url, CHECKS_SINCE, [first_check])[0],
        "standby_lag_seconds": float(_query(f"{standby.server}/postgres", LAG_SQL)[0]),
        "web_cpu": cpu_seconds(web.process.pid if web else None),
        "primary_cpu": cpu_seconds(primary.postmaster_pid()),
        "standby_cpu": cpu_seconds(standby.postmaster_pid()),
    }


def difference(before: dict, after: dict, *, requests: int, checks_per_request: int) -> dict:
    """What happened between two snapshots, per request where that is what a reader compares."""
    delta = {name: after[name] - before[name] for name in before if name != "standby_lag_seconds"}
    per = max(1, requests)
    return {
        "standby_xact_commit": delta["standby_xact_commit"],
        "standby_tup_fetched": delta["standby_tup_fetched"],
        "standby_blocks": delta["standby_blocks"],
        "primary_xact_commit": delta["primary_xact_commit"],
        "checks_answered": requests * checks_per_request,
        "checks_recorded": delta["checks_recorded"],
        "web_cpu_ms_per_request": down(delta["web_cpu"] * 1000 / per, 3),
        "primary_cpu_ms_per_request": down(delta["primary_cpu"] * 1000 / per, 3),
        "standby_cpu_ms_per_request": down(delta["standby_cpu"] * 1000 / per, 3),
        "standby_lag_seconds_after": after["standby_lag_seconds"],
    }


# --- the database alone: pgbench -----------------------------------------------------------------------------------


def pg_text(value) -> str:
    """A parameter as PostgreSQL's text input reads it (pgbench sends its variables as text)."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        items = (
            "NULL" if v is None else '"' + pg_text(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value
        )
        return "{" + ",".join(items) + "}"
    return str(value)


def pgbench(cluster: PrivatePostgres, statement: tuple[str, list], *, duration: int, checks: int) -> dict:
    """`statement` (captured from the application) run again and again by pgbench against `cluster`'s bench
    database: prepared (as psycopg prepares it in the application), its parameters bound as the application's,
    PGBENCH_CLIENTS clients, one thread each, for `duration` seconds. `checks`: the checks one run answers."""
    sql, params = statement
    names = iter(range(1, len(params) + 1))
    script = re.sub(r"%s|%%", lambda m: f":p{next(names)}" if m.group() == "%s" else "%", sql) + ";\n"
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    variables = [f"--define=p{i}={pg_text(value)}" for i, value in enumerate(params, start=1)]
    try:
        done = subprocess.run(
            [str(cluster.bin / "pgbench"), "-n", "-M", "prepared", "-f", handle.name, "-c", str(PGBENCH_CLIENTS),
             "-j", str(PGBENCH_CLIENTS), "-T", str(duration), "-h", "127.0.0.1", "-p", str(cluster.port),
             "-U", "postgres", *variables, cluster.database],
            capture_output=True, text=True, timeout=duration + 120, check=False,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}): {(done.stdout + done.stderr)[-3000:]}")
    out = done.stdout
    tps = float(re.search(r"^tps = ([\d.]+)", out, re.M).group(1))
    failed = re.search(r"^number of failed transactions: (\d+)", out, re.M)
    return {
        "tps": down(tps, 1),
        "checks_per_second": down(tps * checks, 1),
        "latency_ms": float(re.search(r"^latency average = ([\d.]+) ms", out, re.M).group(1)),
        "transactions": int(re.search(r"^number of transactions actually processed: (\d+)", out, re.M).group(1)),
        "failed": int(failed.group(1)) if failed else 0,
        "checks_per_statement": checks,
    }


# --- the run ---------------------------------------------------------------------------------------------------------


def clusters_folder(args) -> Path:
    folder = args.clusters or BASE / args.tier
    folder.mkdir(parents=True, exist_ok=True)
    # The servers run as `postgres`: they go through this folder (and BASE) to their own.
    for path in {folder, BASE} if folder.is_relative_to(BASE) else {folder}:
        os.chmod(path, 0o755)  # noqa: S103 - nothing secret here; the clusters' own folders are theirs
    return folder


def run(args, report: dict) -> dict:
    database = f"er_bench_{args.tier}"
    folder = clusters_folder(args)
    lock = (folder / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another run is using {folder}")
    report["clusters"] = str(folder)
    primary = PrivatePostgres(folder / "primary", database=database)
    standby = PrivateStandby(folder / "standby", primary)
    for cluster in (standby, primary):  # left running by a run that was killed
        if cluster.running():
            cluster.stop()
    first_check = None
    try:
        if primary.initialised:
            primary.start(timeout=600)
        else:
            print(f"initdb {primary.data} ...", flush=True)
            primary.create(createdb=False)
        report |= data_set(database, TIERS[args.tier], generate=args.generate, server=primary.server)
        print(f"pg_basebackup into {standby.data} ...", flush=True)
        shutil.rmtree(standby.folder, ignore_errors=True)
        started = time.monotonic()
        standby.create(timeout=3600)
        report["standby_basebackup_seconds"] = down(time.monotonic() - started, 1)
        standby.caught_up(timeout=600)
        report |= server_facts(database, server=primary.server)
        report["prewarm_seconds"] = {"primary": prewarm(database, server=primary.server)}
        standby.caught_up(timeout=600)
        report["prewarm_seconds"]["standby"] = prewarm(database, server=standby.server, vacuum=False)
        first_check = _query(primary.url, "SELECT coalesce(max(id), 0) + 1 FROM listings_carriercheck")[0]
        measure(args, report, primary, standby, folder, first_check)
    finally:
        try:
            if first_check is not None and primary.running():
                forget_checks(primary, first_check)
        finally:
            standby.stop(missing_ok=True)
            primary.stop(missing_ok=True)
            lock.close()
    return report


def measure(args, report: dict, primary: PrivatePostgres, standby: PrivateStandby, folder: Path, first_check: int):
    spool = folder / "check-spool"
    shutil.rmtree(spool, ignore_errors=True)
    env = environment(primary.database, server=primary.server) | {"CHECK_SPOOL_DIR": str(spool)}
    environments = {"primary": env, "replica": env | {"DATABASE_REPLICA_URLS": standby.url}}
    data = child("samples", env)
    key = child("carrier_key", env)["key"]
    rng = random.Random(7)
    mixed, batches, report["check_mix"] = check_numbers(data, rng)
    standby.caught_up()  # the key is on the standby too
    statements = child(
        "replica_statements", environments["replica"], sample={"check": [data["restricted"][0]], "batch": batches[0]}
    )
    checks_per_request = {"check_single": 1, "check_batch": len(batches[0]), "entry_page": 0}
    report["settings"] = {
        "gunicorn_workers": 2,
        "wrk_connections_saturated": args.connections,
        "seconds_per_measurement": args.duration,
        "pgbench_clients": PGBENCH_CLIENTS,
        "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("REPLICA_MAX_LAG_SECONDS", 10)),
    }
    report["http"] = {name: {} for name in SCENARIOS}
    report["proof"] = {}
    requests = None
    for configuration, environment_ in environments.items():
        print(f"HTTP, {CONFIGURATIONS[configuration]} ...", flush=True)
        forget_checks(primary, first_check)  # each measurement writes into the check log as the run found it
        standby.caught_up(timeout=600)
        web = Gunicorn(environment_)
        try:
            # The same requests for both configurations (drawn once; checks and pages carry no cookie).
            requests = requests or http_scenarios(web.url, data, key, rng, mixed, batches)
            first = snapshot(primary, standby, web, first_check)
            total = 0
            for name in SCENARIOS:
                before = snapshot(primary, standby, web, first_check)
                result = latency_and_throughput(
                    web.url, requests[name], duration=args.duration, connections=args.connections
                )
                time.sleep(STATS_SETTLE_SECONDS)
                answered = result["requests"] + result["saturated_requests"]
                total += answered
                result |= difference(before, snapshot(primary, standby, web, first_check), requests=answered,
                                     checks_per_request=checks_per_request[name])  # fmt: skip
                result["checks_per_second"] = down(result["throughput"] * checks_per_request[name], 1)
                report["http"][name][configuration] = result
                print(f"{name} ({configuration}): {result}", flush=True)
            report.setdefault("web_worker_peak_rss_mb", {})[configuration] = down(web.worker_peak_rss_mb(), 1)
        finally:
            web.stop()
        time.sleep(EXIT_SETTLE_SECONDS)  # the workers' backends have ended and reported their statistics
        last = snapshot(primary, standby, None, first_check)
        report["proof"][configuration] = {
            "requests": total,
            "standby_xact_commit": last["standby_xact_commit"] - first["standby_xact_commit"],
            "standby_tup_fetched": last["standby_tup_fetched"] - first["standby_tup_fetched"],
            "checks_answered": sum(
                (r[configuration]["requests"] + r[configuration]["saturated_requests"]) * checks_per_request[name]
                for name, r in report["http"].items()
            ),
            "checks_recorded": last["checks_recorded"] - first["checks_recorded"],
        }
    report["proof"]["spooled_files"] = len(list(spool.glob("*.json"))) if spool.is_dir() else 0

    print("pgbench ...", flush=True)
    report["pgbench"] = {}
    for name in ("check_single", "check_batch"):
        statement = {path: unpickle(text) for path, text in statements[name].items()}
        checks = checks_per_request[name]
        result = {}
        for path, cluster, sql in (
            ("standby", standby, "replica"),
            # The same read on the primary: a standby answers it as fast as the primary would (or not).
            ("primary_read", primary, "replica"),
            ("primary", primary, "primary"),
            ("primary_record", primary, "record"),
        ):
            forget_checks(primary, first_check)
            standby.caught_up(timeout=600)
            result[path] = pgbench(cluster, statement[sql], duration=args.duration, checks=checks)
        report["pgbench"][name] = result
        print(f"{name}: {result}", flush=True)
    report["capacity"] = capacity(report)


def forget_checks(primary: PrivatePostgres, first_check: int) -> None:
    """Delete the rows this run's checks added to the check log (HTTP and pgbench: millions at 1M), and vacuum:
    each measurement (and the next run) writes into the check log as the data set had it, not after the rows of
    the measurements before it."""
    import psycopg

    with psycopg.connect(primary.url, autocommit=True) as conn:
        conn.execute("DELETE FROM listings_carriercheck WHERE id >= %s", [first_check])
        conn.execute("VACUUM (ANALYZE) listings_carriercheck")


def capacity(report: dict) -> dict:
    """What one replica adds where the database is the bound (the standby's checks per second under pgbench), and
    what the web tier spends per check to feed it (CPU of the gunicorn workers per check, with replicas read; the
    service time of one request at one connection, which a sync worker is busy for)."""
    out = {}
    for name in ("check_single", "check_batch"):
        bench, http = report["pgbench"][name], report["http"][name]["replica"]
        checks = bench["standby"]["checks_per_statement"]
        adds = bench["standby"]["checks_per_second"]
        web_cpu_s = http["web_cpu_ms_per_request"] / 1000 / checks
        busy_s = http["p50_ms"] / 1000 / checks
        out[name] = {
            "replica_adds_checks_per_second": adds,
            "primary_alone_checks_per_second": bench["primary"]["checks_per_second"],
            "primary_records_checks_per_second": bench["primary_record"]["checks_per_second"],
            "web_cpu_ms_per_check": down(web_cpu_s * 1000, 4),
            "standby_cpu_ms_per_check_http": down(http["standby_cpu_ms_per_request"] / checks, 4),
            "primary_cpu_ms_per_check_http": down(http["primary_cpu_ms_per_request"] / checks, 4),
            "web_cores_to_keep_one_replica_busy": down(adds * web_cpu_s, 2),
            "sync_workers_to_keep_one_replica_busy": down(adds * busy_s, 2),
        }
    return out


def failures(report: dict) -> list[str]:
    """What makes the run fail: HTTP errors, a standby that did not answer the replica run, checks not recorded
    (or recorded more than once: beyond the requests still in flight when wrk stopped counting, at most one per
    connection and run)."""
    found = []
    connections = report["settings"]["wrk_connections_saturated"]
    for name, by in report["http"].items():
        for configuration, r in by.items():
            if r["errors"] or not r["requests"]:
                found.append(f"{name} ({configuration}): {r['requests']} requests, {r['errors']} errors")
            per_request = r["checks_answered"] // max(1, r["requests"] + r["saturated_requests"])
            if r["checks_recorded"] > r["checks_answered"] + (connections + 1) * per_request:
                found.append(f"{name} ({configuration}): {r['checks_recorded']} checks recorded for "
                             f"{r['checks_answered']} answered")  # fmt: skip
    proof = report["proof"]
    # Each request reads in one transaction. The router rightly sends a request to the primary when the standby
    # lags past REPLICA_MAX_LAG_SECONDS or fails (the 1M run of record read 1.7% of its entry pages on the primary;
    # which of the two, the harness does not record): the standby must still have answered nearly all.
    if proof["replica"]["standby_xact_commit"] < MIN_STANDBY_SHARE * proof["replica"]["requests"]:
        found.append(f"the standby committed {proof['replica']['standby_xact_commit']} transactions for "
                     f"{proof['replica']['requests']} requests: it answered too few")  # fmt: skip
    for configuration in CONFIGURATIONS:
        p = proof[configuration]
        if p["checks_recorded"] < p["checks_answered"]:
            found.append(f"{configuration}: {p['checks_recorded']} checks recorded for {p['checks_answered']} answered")
    if proof["spooled_files"]:
        found.append(f"{proof['spooled_files']} files spooled: the primary was taken for down")
    for name, by in report.get("pgbench", {}).items():
        for database, r in by.items():
            if r["failed"] or not r["transactions"]:
                found.append(f"pgbench {name} on the {database}: {r['transactions']} runs, {r['failed']} failed")
    return found


# --- the report ------------------------------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [
        f"### Replicas, tier {report['tier']} ({report['cases']:,} cases)",
        "",
        f"- Machine: {report['machine']}; PostgreSQL {report['postgres']}, stock settings (shared_buffers "
        f"{report['shared_buffers']}); a primary and its hot standby (pg_basebackup -R -X stream, "
        f"{report['standby_basebackup_seconds']} s) on this machine, both clusters the harness's own; database "
        f"{report['database_size']}",
        f"- Read into the page cache before measuring (pg_prewarm): primary {report['prewarm_seconds']['primary']} s,"
        f" standby {report['prewarm_seconds']['standby']} s",
        f"- Date: {report['date']}; load average at start "
        f"{', '.join(f'{fx(x, 2)}' for x in report['load_average_at_start'])}",
        f"- Command: `{report['command']}` at commit {report.get('commit', '?')}",
        f"- gunicorn (bench settings, {s['gunicorn_workers']} sync workers), wrk for {s['seconds_per_measurement']} s"
        f" per measurement: latency with 1 connection, throughput with {s['wrk_connections_saturated']}; checks half "
        f"restricted, batches of {report['check_mix']['batch_size']:,}; REPLICA_MAX_LAG_SECONDS "
        f"{s['REPLICA_MAX_LAG_SECONDS']:g}",
        "",
        "| scenario | reads on | p50 ms | p95 ms | p99 ms | req/s (saturated) | checks/s | p95 saturated ms | errors | "
        "web CPU ms/req | primary CPU ms/req | standby CPU ms/req | standby xact | checks answered | checks recorded |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, by in report["http"].items():
        for configuration, r in by.items():
            checks = (f"{r['checks_answered']:,}", f"{r['checks_recorded']:,}") if r["checks_answered"] else ("", "")
            lines.append(
                f"| {name} | {configuration} | {fx(r['p50_ms'], 2)} | {fx(r['p95_ms'], 2)} | {fx(r['p99_ms'], 2)} | "
                f"{fx(r['throughput'], 0)} | {fx(r['checks_per_second'], 0) if r['checks_answered'] else ''} | "
                f"{fx(r['saturated_p95_ms'], 2)} | {r['errors']} | {fx(r['web_cpu_ms_per_request'], 3)} | "
                f"{fx(r['primary_cpu_ms_per_request'], 3)} | {fx(r['standby_cpu_ms_per_request'], 3)} | "
                f"{r['standby_xact_commit']:,} | {checks[0]} | {checks[1]} |"
            )
    p = report["proof"]
    lines += [
        "",
        "(CPU per request: user + system time of the gunicorn workers, and of each cluster's processes (backends, "
        "the standby's replay), over both runs of the scenario, from /proc. The standby's xact_commit: its "
        "pg_stat_database for the bench database. Checks recorded: rows added to the primary's check log, the "
        "requests still in flight when wrk stopped counting included.)",
        "",
        f"- Proof, replica run: {p['replica']['requests']:,} requests; the standby committed "
        f"{p['replica']['standby_xact_commit']:,} transactions in the bench database (it answered); "
        f"{p['replica']['checks_answered']:,} checks answered, {p['replica']['checks_recorded']:,} recorded on the "
        f"primary. Primary-only run: {p['primary']['requests']:,} requests, the standby committed "
        f"{p['primary']['standby_xact_commit']:,}; {p['primary']['checks_answered']:,} checks answered, "
        f"{p['primary']['checks_recorded']:,} recorded. Spooled: {p['spooled_files']} files.",
        f"- Web worker peak RSS: {report['web_worker_peak_rss_mb']['primary']} MB (primary only), "
        f"{report['web_worker_peak_rss_mb']['replica']} MB (with the replica)",
        "",
        f"The check's statements (captured from the application) saturated with pgbench (-M prepared, "
        f"{s['pgbench_clients']} clients, {s['seconds_per_measurement']} s):",
        "",
        "| check | statement | database | runs/s | checks/s | latency avg ms |",
        "|---|---|---|---|---|---|",
    ]
    what = {
        "primary": ("answer + record (one statement, no replica)", "primary"),
        "standby": ("answer (the read a replica runs)", "standby"),
        "primary_read": ("answer (the read a replica runs)", "primary"),
        "primary_record": ("record what a replica answered", "primary"),
    }
    for name, by in report["pgbench"].items():
        for path, r in by.items():
            statement, database = what[path]
            lines.append(f"| {name} | {statement} | {database} | {fx(r['tps'], 0)} | {fx(r['checks_per_second'], 0)} "
                         f"| {fx(r['latency_ms'], 3)} |")  # fmt: skip
    lines += ["", "What one replica adds, and the web tier it takes to use it:", ""]
    for name, c in report["capacity"].items():
        lines.append(
            f"- {name}: the standby answers {fx(c['replica_adds_checks_per_second'], 0)} checks/s where the database "
            f"is the bound (the primary alone answers and records {fx(c['primary_alone_checks_per_second'], 0)}/s, "
            f"and records {fx(c['primary_records_checks_per_second'], 0)}/s of what replicas answer). A check costs "
            f"the web workers {fx(c['web_cpu_ms_per_check'], 4)} ms CPU (the standby {fx(c['standby_cpu_ms_per_check_http'], 4)} ms, "
            f"the primary {fx(c['primary_cpu_ms_per_check_http'], 4)} ms, in the HTTP run): keeping one replica "
            f"busy takes {fx(c['web_cores_to_keep_one_replica_busy'], 2)} cores of web workers, "
            f"{fx(c['sync_workers_to_keep_one_replica_busy'], 2)} sync workers at the service time of one request "
            "(p50 at 1 connection)."
        )
    lines += [
        "",
        "Primary, standby, gunicorn, wrk and pgbench share this machine's cores: the runs compare the two paths on "
        "the same machine; a replica on a machine of its own adds its figure to the primary's.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--generate", action="store_true", help="regenerate the data set even if present")
    parser.add_argument("--smoke", action="store_true", help="CI: short runs")
    parser.add_argument("--duration", type=int, default=15, help="seconds per HTTP and pgbench measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--clusters", type=Path, help=f"the clusters' folder (default {BASE}/<tier>)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.smoke:
        global STATS_SETTLE_SECONDS
        args.duration, STATS_SETTLE_SECONDS = 2, 1
    report = run(args, report_header("bench/replicas.py", args.tier))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"replicas-{args.tier}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (args.out / f"replicas-{args.tier}.md").write_text(markdown(report))
    print(markdown(report))
    found = failures(report)
    if found:
        sys.exit("FAILED: " + "; ".join(found))


if __name__ == "__main__":
    main()
