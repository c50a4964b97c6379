"""Two copies of a sweep at once split the work (SKIP LOCKED): every case moves once, one audit row each.
And a daily job sent through the real broker runs on a real worker."""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import connections

from enforcement import services
from enforcement.models import AuditEntry, CaseState, EnforcementCase
from enforcement.tasks import declare_defaults

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SERVED = datetime.date(2026, 3, 2)
LATER = datetime.datetime(2026, 6, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def overdue_cases(walk, count):
    cases = [walk.case(filed_on=SERVED - datetime.timedelta(days=3)) for _ in range(count)]
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
        for case in cases:
            services.notice_record(
                actor=walk.clerk, case_id=case.pk, served_on=SERVED, payment_days=10, warns_listing=True
            )
    return cases


def test_two_copies_of_a_sweep_at_once_move_each_case_once(walk):
    cases = overdue_cases(walk, 60)
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            with time_machine.travel(LATER):
                moved = services.cases_transition_many(
                    case_ids=EnforcementCase.objects.filter(state=CaseState.JUDGMENT).values_list("pk", flat=True),
                    transition="declare_default",
                    reason="sweep",
                    batch_size=7,
                )
            results.append(moved)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    moved = results[0] + results[1]
    assert len(results) == 2
    assert sorted(moved) == sorted(case.pk for case in cases)  # all of them, none twice
    assert EnforcementCase.objects.filter(state=CaseState.DEFAULTED).count() == 60
    assert AuditEntry.objects.filter(action="declare_default").count() == 60


@pytest.mark.broker
def test_a_daily_job_sent_through_the_broker_runs_on_a_real_worker(walk, celery_worker):
    case = overdue_cases(walk, 1)[0]
    with time_machine.travel(LATER):
        declare_defaults.delay()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            case.refresh_from_db()
            if case.state == CaseState.DEFAULTED:
                break
            time.sleep(0.2)
    assert case.state == CaseState.DEFAULTED
