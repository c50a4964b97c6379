"""The daily flag of requests near or past their deadline reaches every due request, however many are already
flagged: the job reads only the requests still to flag, the most urgent first, a chunk at a time."""

import datetime
import zoneinfo

import pytest
import time_machine

from appeals.models import RemovalRequest
from appeals.services import deadlines
from appeals.services.filing import removal_request_file

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


def file_for(case) -> RemovalRequest:
    filing = removal_request_file(case_id=case.pk, kind="paid", statement="已还清", contact_phone="13800138000")
    return filing.request if hasattr(filing, "request") else filing[0]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(deadlines, "CHUNK", 1)  # the job reads at most CHUNK * 20 = 20 requests a run


def test_requests_already_flagged_do_not_keep_another_from_being_flagged_overdue(walk, small_chunks):
    with at(2026, 6, 1):  # due 16 June
        first = file_for(walk.case())
    with at(2026, 6, 12):  # due 29 June
        later = [file_for(walk.case()) for _ in range(20)]
        assert deadlines.requests_flag_deadlines()["near"] == 1  # 16 June is 2 working days away
    with at(2026, 6, 25, 7):  # 16 June is past; 29 June is near: 21 requests to flag, 20 a run
        runs = [deadlines.requests_flag_deadlines() for _ in range(3)]
    assert [(run["overdue"], run["near"]) for run in runs] == [(1, 19), (0, 1), (0, 0)]
    first.refresh_from_db()
    assert first.deadline_flag == "overdue:2026-06-16"
    flags = set(RemovalRequest.objects.filter(pk__in=[r.pk for r in later]).values_list("deadline_flag", flat=True))
    assert flags == {"near:2026-06-29"}


def test_past_a_full_chunk_the_most_urgent_are_flagged_first_and_the_rest_on_the_next_run(walk, small_chunks):
    with at(2026, 6, 12):  # due 29 June
        later = [file_for(walk.case()) for _ in range(20)]
    with at(2026, 6, 1):  # due 16 June: filed after the others, more urgent
        urgent = file_for(walk.case())
    with at(2026, 6, 25, 7):
        first = deadlines.requests_flag_deadlines()
        second = deadlines.requests_flag_deadlines()
        third = deadlines.requests_flag_deadlines()
    assert (first["overdue"], first["near"]) == (1, 19)
    assert (second["overdue"], second["near"]) == (0, 1)
    assert (third["overdue"], third["near"]) == (0, 0)
    urgent.refresh_from_db()
    assert urgent.deadline_flag == "overdue:2026-06-16"
    assert all(
        r.deadline_flag == "near:2026-06-29" for r in RemovalRequest.objects.filter(pk__in=[r.pk for r in later])
    )
