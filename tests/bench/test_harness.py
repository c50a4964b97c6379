"""The benchmark harness end to end on its smallest tier (20,000 cases), as CI runs it: the data set is
generated, every scenario runs against gunicorn with wrk beside its floors, and the hot queries' plans are
read. It asserts that the harness works and that the plans use the indexes meant for them, never a timing.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTTP = ["bare_view_floor", "search_id_number", "search_case_number", "search_name", "entry_page", "check_single",
        "check_batch", "feed_page"]  # fmt: skip
# The index each single-key hot query must be served by, even on the small data set. (A batch of 1,000 checks on
# it may rightly hash-join the small tables instead; that an index can serve it is asserted for every plan.)
INDEXES = {
    "search_id_number": "listing_public_idnumber_idx",
    "search_case_number": "listing_public_casenumber_idx",
    "search_name": "listing_public_name_idx",
    "entry_page": "listings_listingdecision_pkey",
    "check_single": "listings_restrictionindexentry_pkey",  # the restriction index, probed by its key
    "primary_key_lookup": "listings_listingdecision_pkey",
    "feed_page": "feedevent_order_idx",
}

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: apt-get install wrk (.ci/run installs it)")
    out = tmp_path_factory.mktemp("bench")
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]  # the bench makes its own database, er_bench_20k
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/run.py", "--tier", "20k", "--smoke", "--generate", "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "BENCH_PG": server},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((out / "20k.json").read_text()), (out / "20k.md").read_text()


def test_every_http_scenario_ran_against_gunicorn_without_errors_beside_its_floors(report):
    data, _markdown = report
    for name in HTTP:
        scenario = data["scenarios"][name]
        assert scenario["requests"] > 0, name
        assert scenario["errors"] == 0, name
        assert scenario["throughput"] > 0, name
        if name != "bare_view_floor":
            assert scenario["floor"]["p95_ms"] > 0, name  # the same statement as raw SQL, in the same run
            assert scenario["throughput_vs_bare_view"] > 0, name
    assert data["web_worker_peak_rss_mb"] > 0


def test_the_hot_queries_are_served_by_their_indexes(report):
    data, _markdown = report
    for name, plan in data["plans"].items():
        assert plan["without_index"] == [], f"{name}: no index serves it: {plan['scans']}"
    for name, index in INDEXES.items():
        plan = data["plans"][name]
        assert plan["sequential_scans_of_big_tables"] == [], f"{name}: {plan['scans']}"
        assert any(scan.endswith(index) for scan in plan["scans"]), f"{name}: {plan['scans']}"


def test_the_daily_jobs_move_exactly_the_rows_made_due_with_audit_rows_and_feed_events(report):
    data, _markdown = report
    runs = data["scenarios"]["daily_jobs"]["runs"]
    assert [run["due_per_sweep"] * 2 for run in runs[:1]] == [runs[1]["due_per_sweep"]]
    for run in runs:
        assert run["transitions"] == 4 * run["due_per_sweep"]  # defaulted, published, expired, closed
        assert run["audit_rows"] >= run["transitions"]
        assert run["feed_events"] >= 3 * run["due_per_sweep"]  # published, expired, removed + lifted


def test_bulk_intake_opens_the_good_rows_and_rejects_the_bad_ones(report):
    data, _markdown = report
    intake = data["scenarios"]["bulk_intake"]
    assert intake["rejected"] == intake["built_to_be_rejected"] > 0
    assert intake["created"] == intake["rows"] - intake["rejected"]
    assert intake["judgments_per_second"] > 0


def test_the_export_and_the_markdown_report(report):
    data, markdown = report
    assert data["scenarios"]["open_data_export"]["rows"] > 0
    assert data["scenarios"]["open_data_export"]["peak_rss_mb"] > 0
    assert "| target | measured | met |" in markdown
