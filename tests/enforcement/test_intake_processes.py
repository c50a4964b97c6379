"""Rows checked in worker processes: the same answers as in-process, and in-process wherever forking is unsafe."""

import datetime
import io
import multiprocessing
import threading

import billiard
import pytest
from django.utils import translation

from enforcement.models import AuditEntry, EnforcementCase
from enforcement.services.intake import judgments_intake, processes
from enforcement.services.intake.parse import _csv_rows
from enforcement.services.intake.validate import _checked_chunks
from tests.enforcement.api.intake_data import as_csv, judgment_rows


def a_file(court_code: str) -> bytes:
    rows = judgment_rows(court_code, 60)
    rows[3]["debtor_id_number"] = rows[3]["debtor_id_number"][:-1] + (
        "1" if rows[3]["debtor_id_number"][-1] != "1" else "2"
    )
    rows[10]["amount_due"] = "12.345"
    rows[17]["case_number"] = "（2026）沪0115执9号"
    rows[40] = dict(rows[20], case_number=f"（2026）{court_code}执9999号")  # the same judgment as line 22
    return as_csv(rows)


def checked(text: str, court, pool) -> tuple[list, list]:
    rejections: list = []
    chunks = _checked_chunks(
        _csv_rows(text, rejections),
        court=court,
        today=datetime.date.today(),  # noqa: DTZ011 - a calendar date, as the service uses
        rejections=rejections,
        counts={"rows": 0},
        pool=pool,
    )
    return [judgment for chunk in chunks for judgment in chunk], [r.as_dict() for r in rejections]


@pytest.fixture
def workers(monkeypatch):
    """Workers for any file, in small blocks, so that a test file spans several of them."""
    monkeypatch.setattr(processes, "MIN_LINES", 1)
    monkeypatch.setattr(processes, "BLOCK_ROWS", 7)
    monkeypatch.setattr(processes, "PROCESSES", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_workers_give_the_answers_of_the_in_process_checks(court, workers, language):
    text = a_file(court.code).decode()
    with translation.override(language):
        alone = checked(text, court, pool=None)
        with processes.checking_pool(text) as pool:
            assert pool is not None
            in_workers = checked(text, court, pool=pool)
    assert in_workers == alone
    assert [r["line"] for r in alone[1]] == [5, 12, 19, 42]


@pytest.mark.django_db
def test_a_file_checked_by_workers_is_taken_in(court, clerk, workers, monkeypatch):
    used = []
    real = processes.CheckingPool.checked

    def spy(self, rows, **kwargs):
        used.append(self.processes)
        return real(self, rows, **kwargs)

    monkeypatch.setattr(processes.CheckingPool, "checked", spy)
    batch = judgments_intake(actor=clerk, court_id=court.pk, file=io.BytesIO(a_file(court.code)), filename="f.csv")
    assert used == [2]
    assert (batch.rows_total, batch.rows_created, batch.rows_rejected) == (60, 56, 4)
    assert EnforcementCase.objects.filter(court=court).count() == AuditEntry.objects.count() == 56


def in_a_daemonic_process(text: str, court, answers) -> None:
    try:
        multiprocessing.get_context("fork").Pool(1)
    except AssertionError as exc:  # what the guard spares the intake
        refused = str(exc)
    else:
        refused = ""
    reason = processes.why_in_process(text, 2)
    with processes.checking_pool(text) as pool:
        judgments, rejections = checked(text, court, pool=pool)
    answers.put((refused, reason, pool is None, len(judgments), rejections))


@pytest.mark.django_db
def test_a_daemonic_process_like_a_celery_prefork_worker_checks_in_process(court, workers):
    text = a_file(court.code).decode()
    answers = billiard.Queue()
    child = billiard.Process(target=in_a_daemonic_process, args=(text, court, answers), daemon=True)
    child.start()
    refused, reason, in_process, good, rejections = answers.get(timeout=60)
    child.join(timeout=10)
    assert "daemonic processes are not allowed to have children" in refused
    assert "daemonic" in reason
    assert in_process
    assert (good, rejections) == (56, checked(text, court, pool=None)[1])


def test_a_process_with_other_threads_checks_in_process(workers, monkeypatch):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert processes.why_in_process("x\n" * 10, 2) == "other threads are alive"
        with processes.checking_pool("x\n" * 10) as pool:
            assert pool is None
    finally:
        stop.set()
        thread.join()
    # The suite itself may leave threads behind (a live server, a browser's driver): a process alone again
    monkeypatch.setattr(processes.threading, "active_count", lambda: 1)
    assert processes.why_in_process("x\n" * 10, 2) is None


def test_a_small_file_or_no_workers_configured_is_checked_in_process(monkeypatch):
    monkeypatch.setattr(processes.threading, "active_count", lambda: 1)  # whatever threads the suite left
    assert processes.why_in_process("x\n" * 10, 2) == "a small file"
    assert processes.why_in_process("x\n" * processes.MIN_LINES, 0) == "no worker processes configured"
