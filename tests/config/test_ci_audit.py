""".ci/run's dependency audit, run as CI runs it, with pip-audit replaced by a stand-in whose services answer as
each test says: it uses OSV when OSV answers, and it fails on a known vulnerability and on an audit that could
look at fewer than half the locked packages. Where no service answers at all, CI says NOT AUDITED and goes on
(the CI machine reaches no vulnerability service); it never prints that as an audit that passed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START, END = 'step "Dependencies audited', 'step "CI passed"'

# Stands in for .venv/bin/pip-audit: FAKE_AUDIT_<SERVICE> is "down" (the service does not answer) or the
# report to write (pip-audit's JSON format); every call is appended to FAKE_AUDIT_CALLS.
FAKE_PIP_AUDIT = """#!{python}
import json, os, sys
args = sys.argv[1:]
service = args[args.index("--vulnerability-service") + 1]
output = args[args.index("--output") + 1]
with open(os.environ["FAKE_AUDIT_CALLS"], "a") as calls:
    calls.write(service + "\\n")
answer = os.environ.get("FAKE_AUDIT_" + service.upper(), "down")
if answer == "down":
    sys.exit("requests.exceptions.ConnectionError: Failed to resolve the service's host")
with open(output, "w") as out:
    out.write(answer)
report = json.loads(answer)
sys.exit(1 if any(dep.get("vulns") for dep in report["dependencies"]) else 0)
"""


def section() -> str:
    script = (ROOT / ".ci" / "run").read_text()
    return script[script.index(START) : script.index(END)]


def report(audited: int, skipped: int = 0, vulnerable: str = "") -> str:
    deps = [{"name": f"package{n}", "version": "1.0", "vulns": []} for n in range(audited)]
    deps += [
        {"name": f"other{n}", "skip_reason": "Dependency not found on PyPI and could not be audited"}
        for n in range(skipped)
    ]
    if vulnerable:
        deps[0] = {"name": vulnerable, "version": "1.0", "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["1.1"]}]}
    return json.dumps({"dependencies": deps, "fixes": []})


@pytest.fixture
def run_audit(tmp_path):
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake = tmp_path / ".venv" / "bin" / "pip-audit"
    fake.write_text(FAKE_PIP_AUDIT.format(python=sys.executable))
    fake.chmod(0o755)
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("".join(f"package{n}==1.0\n" for n in range(10)))
    script = tmp_path / "audit.sh"
    prelude = f'set -euo pipefail\nPY="{sys.executable}"\nstep() {{ printf "== %s\\n" "$*"; }}\n'
    script.write_text(f"{prelude}{section()}echo AUDIT-PASSED\n")
    calls = tmp_path / "calls"

    def run(**answers):
        env = {**os.environ, "FAKE_AUDIT_CALLS": str(calls)}
        env.update({f"FAKE_AUDIT_{service.upper()}": answer for service, answer in answers.items()})
        calls.write_text("")
        done = subprocess.run(  # noqa: S603 - bash on a script this test wrote
            ["/bin/bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        return done.returncode, done.stdout + done.stderr, calls.read_text().split()

    return run


def test_the_audit_uses_osv_when_it_answers(run_audit):
    code, output, calls = run_audit(osv=report(10), pypi=report(10))
    assert code == 0, output
    assert calls == ["osv"]
    assert "pip-audit (osv): 10 of 10 locked packages audited, 0 vulnerable" in output


def test_the_audit_falls_back_to_pypi_when_osv_does_not_answer(run_audit):
    code, output, calls = run_audit(pypi=report(6, skipped=4))
    assert code == 0, output
    assert calls == ["osv", "pypi"]
    assert "6 of 10 locked packages audited" in output


def test_a_known_vulnerability_fails_ci(run_audit):
    code, output, _calls = run_audit(osv=report(10, vulnerable="django"))
    assert code != 0
    assert "django 1.0: PYSEC-2026-1 (fixed in 1.1)" in output
    assert "AUDIT-PASSED" not in output


def test_fewer_than_half_the_locked_packages_audited_fails_ci(run_audit):
    code, output, _calls = run_audit(pypi=report(4, skipped=6))
    assert code != 0
    assert "fewer than half the locked packages could be audited" in output
    assert "AUDIT-PASSED" not in output


def test_no_service_answering_says_not_audited_and_never_claims_a_pass(run_audit):
    code, output, calls = run_audit()
    assert code == 0, output
    assert calls == ["osv", "pypi"]
    assert "NOT AUDITED: no vulnerability service answered" in output
    assert "locked packages audited" not in output


def test_a_service_that_answers_no_lookup_says_not_audited(run_audit):
    code, output, _calls = run_audit(pypi=report(0, skipped=10))
    assert code == 0, output
    assert "NOT AUDITED: the pypi service answered no lookup" in output
