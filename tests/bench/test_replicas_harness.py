"""The replica scenario's harness (bench/replicas.py) end to end on the smallest tier, as CI runs it: a primary
cluster of its own with the 20,000-case data set, a fresh hot standby of it, the checks and a public page through
gunicorn with reads on the primary only and with the standby as replica, and the check's statements under
pgbench on each database. It asserts that the harness works (requests answered without errors, the standby
answered the replica run, every check recorded on the primary, the clusters stopped at the end), never a timing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.clusters import PrivatePostgres

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ["check_single", "check_batch", "entry_page"]

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def run():
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: apt-get install wrk (.ci/run installs it)")
    # Not pytest's tmp_path: its parents are private to root, and the clusters run as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="er-test-bench-replicas-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the clusters run as `postgres`
    clusters, out = folder / "clusters", folder / "out"
    try:
        result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, "bench/replicas.py", "--tier", "20k", "--smoke", "--generate", "--out", str(out),
             "--clusters", str(clusters)],
            cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        stopped = not any((clusters / name / "data" / "postmaster.pid").exists() for name in ("primary", "standby"))
        kept = (clusters / "primary" / "data" / "PG_VERSION").exists()
        yield {
            "report": json.loads((out / "replicas-20k.json").read_text()),
            "markdown": (out / "replicas-20k.md").read_text(),
            "stopped": stopped,
            "kept": kept,
        }
    finally:
        for name in ("standby", "primary"):  # if the run died with them running
            PrivatePostgres(clusters / name).stop(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_every_scenario_is_answered_without_errors_on_both_paths(run):
    http = run["report"]["http"]
    for name in SCENARIOS:
        for configuration in ("primary", "replica"):
            r = http[name][configuration]
            assert r["requests"] > 0, (name, configuration)
            assert r["saturated_requests"] > 0, (name, configuration)
            assert r["errors"] == 0, (name, configuration)
            assert r["web_cpu_ms_per_request"] > 0, (name, configuration)


def test_the_standby_answered_the_replica_run_and_not_the_primary_only_run(run):
    proof, http = run["report"]["proof"], run["report"]["http"]
    assert proof["replica"]["standby_xact_commit"] >= proof["replica"]["requests"] > 0
    assert proof["primary"]["standby_xact_commit"] < proof["primary"]["requests"]
    for name in SCENARIOS:
        assert http[name]["replica"]["standby_tup_fetched"] > 0, name
        assert http[name]["primary"]["standby_tup_fetched"] == 0, name


def test_every_check_is_recorded_on_the_primary_on_both_paths(run):
    proof, http = run["report"]["proof"], run["report"]["http"]
    for configuration in ("primary", "replica"):
        assert proof[configuration]["checks_recorded"] >= proof[configuration]["checks_answered"] > 0
        for name in ("check_single", "check_batch"):
            r = http[name][configuration]
            assert r["checks_recorded"] >= r["checks_answered"] > 0, (name, configuration)
    assert proof["spooled_files"] == 0
    assert http["entry_page"]["replica"]["checks_recorded"] == 0


def test_pgbench_ran_each_check_statement_on_each_database(run):
    for name in ("check_single", "check_batch"):
        for database in ("standby", "primary_read", "primary", "primary_record"):
            r = run["report"]["pgbench"][name][database]
            assert r["transactions"] > 0, (name, database)
            assert r["failed"] == 0, (name, database)
        assert run["report"]["capacity"][name]["replica_adds_checks_per_second"] > 0


def test_the_report_and_the_clusters_left_stopped_for_reuse(run):
    assert run["stopped"]
    assert run["kept"]
    assert "What one replica adds" in run["markdown"]
    assert "| check_single | replica |" in run["markdown"]
