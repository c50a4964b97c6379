"""The daily job flags requests near or past their deadline and tells the court's staff once."""

import pytest

from appeals import tasks
from appeals.models import RequestKind
from config.schedule import DAILY_JOBS
from enforcement.models import JobRun, OutboxMessage, StaffRole
from tests.appeals.conftest import at, file_request, filed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff_mails():
    return list(OutboxMessage.objects.filter(key__startswith="appeals-deadlines:").order_by("id"))


def test_the_job_is_scheduled_daily():
    assert "appeals.tasks.flag_overdue_requests" in DAILY_JOBS


def test_the_daily_job_tells_the_staff_once_per_deadline_and_run_twice_sends_nothing_more(client, walk, court):
    UserFactory(username="queue-clerk", email="queue@court.invalid", roles=[(court, StaffRole.Role.CLERK)])
    with at(2026, 6, 1):
        overdue = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))  # due 16 June
    with at(2026, 6, 12):
        near = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))  # due 29 June (27 is Sat)
        later = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
    with at(2026, 6, 25, 7):  # Thursday: 16 June is past; 29 June is 2 working days away (Fri 26, Mon 29)
        first = tasks.flag_overdue_requests()
        second = tasks.flag_overdue_requests()
    assert first["overdue"] == 1
    assert first["near"] == 2
    assert first["emails"] == 2
    assert second["overdue"] == second["near"] == second["emails"] == 0
    mails = staff_mails()
    assert len(mails) == 2
    bodies = {m.payload["subject"]: m.payload["body"] for m in mails}
    assert all(m.payload["to"] == ["queue@court.invalid"] for m in mails)
    overdue_body = next(body for subject, body in bodies.items() if "past" in subject or "逾期" in subject)
    assert overdue.tracking_code in overdue_body
    assert near.tracking_code not in overdue_body
    overdue.refresh_from_db()
    assert overdue.deadline_flag == "overdue:2026-06-16"
    assert JobRun.objects.filter(name="appeals.tasks.flag_overdue_requests", succeeded=True).count() == 2
    # A near request whose deadline then passes is flagged again, once, as overdue.
    with at(2026, 6, 30, 7):
        third = tasks.flag_overdue_requests()
        fourth = tasks.flag_overdue_requests()
    assert third["overdue"] == 2
    assert third["emails"] == 1
    assert fourth["emails"] == 0
    assert later.tracking_code in staff_mails()[-1].payload["body"]
