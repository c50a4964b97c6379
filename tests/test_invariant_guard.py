"""The suite's guard of the list's invariants (`_list_invariants_hold` in tests/conftest.py), tested as a user of
the suite meets it: a few canary tests run in a pytest of their own, with this suite's fixtures, and the guard
fails exactly those that leave a violation, naming it, whether the test's writes are rolled back or committed.

The inner run uses a database of its own (on PostgreSQL `<name>_canary`, created and dropped by it; on SQLite
in memory), so it never touches this run's test database."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CANARIES = """
import pytest
from enforcement.models import EnforcementCase


def paid_while_restricted(walk):
    case = walk.restricted()
    EnforcementCase.objects.filter(pk=case.pk).update(state="paid")


def test_leaves_a_violation(walk):
    paid_while_restricted(walk)


@pytest.mark.django_db(transaction=True)
def test_leaves_a_violation_committed(walk):
    paid_while_restricted(walk)


@pytest.mark.breaks_list_invariants(reason="a canary")
def test_says_it_breaks_one(walk):
    paid_while_restricted(walk)


@pytest.mark.breaks_list_invariants(reason="")
def test_says_it_without_a_reason(walk):
    walk.case()


def test_breaks_nothing(walk):
    walk.listed()


def test_uses_no_database():
    assert True
"""


def run_canaries(tmp_path) -> dict[str, tuple[str, str]]:
    """Each canary's outcome ("passed", "failure" or "error") and message."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_canaries.py").write_text(CANARIES)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    url = env.pop("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql")):
        env["DATABASE_URL"] = f"{url}_canary"
    else:
        env.pop("REQUIRE_SERVICES", None)
    report = tmp_path / "report.xml"
    result = subprocess.run(  # noqa: S603 - this interpreter running pytest on the files written above
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "--create-db",
         "--rootdir", str(tmp_path), f"--junitxml={report}", str(tmp_path / "test_canaries.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314
        problems = [child for child in case if child.tag in ("failure", "error")]
        outcomes[case.get("name")] = (
            (problems[0].tag, problems[0].get("message", "") + (problems[0].text or "")) if problems else ("passed", "")
        )
    return outcomes


def test_the_guard_fails_exactly_the_tests_that_leave_a_violation_and_names_it(tmp_path):
    outcomes = run_canaries(tmp_path)
    for name in ("test_leaves_a_violation", "test_leaves_a_violation_committed"):
        outcome, message = outcomes[name]
        assert outcome == "error", name  # at teardown, before the rollback or the flush
        assert "order_in_force_on_ended_case" in message, message
        assert "（2026）京0101执" in message, message  # the case, so the reader can find it
    assert outcomes["test_says_it_breaks_one"][0] == "passed"
    assert outcomes["test_breaks_nothing"][0] == "passed"
    assert outcomes["test_uses_no_database"][0] == "passed"
    outcome, message = outcomes["test_says_it_without_a_reason"]
    assert outcome == "error"
    assert "needs reason=" in message
