"""The daily jobs: each does its work set-wise, writes the audit trail as the system, changes nothing the
second time, and is recorded for the health page. Time is frozen across weekends, holidays and make-up days."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from enforcement import services
from enforcement.models import AuditEntry, CaseState, JobRun
from enforcement.tasks import close_paid_cases, declare_defaults
from listings.models import ListingDecision, RestrictionOrder
from listings.tasks import end_sanctions_of_ended_cases, expire_listings, publish_listings

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date, hour: int = 1):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


def noticed_case(walk, served_on: datetime.date, days: int = 10):
    case = walk.case(filed_on=served_on - datetime.timedelta(days=3))
    with at(served_on, 10):
        return services.notice_record(
            actor=walk.clerk, case_id=case.pk, served_on=served_on, payment_days=days, warns_listing=True
        )


@pytest.mark.parametrize(
    ("served_on", "days", "due", "label"),
    [
        # 10 Sep + 10 = Sun 20 Sep 2026, a make-up working day: the period ends that Sunday.
        (datetime.date(2026, 9, 10), 10, datetime.date(2026, 9, 20), "make-up Sunday"),
        # 30 Sep + 10 = Sat 10 Oct 2026, another make-up working day.
        (datetime.date(2026, 9, 30), 10, datetime.date(2026, 10, 10), "make-up Saturday"),
        # 17 Sep + 10 = Sun 27 Sep, in the Mid-autumn holiday: runs to Monday 28 Sep.
        (datetime.date(2026, 9, 17), 10, datetime.date(2026, 9, 28), "Mid-autumn holiday"),
        # 21 Sep + 10 = 1 Oct, National Day: the period runs to the first working day after, 8 Oct.
        (datetime.date(2026, 9, 21), 10, datetime.date(2026, 10, 8), "holiday"),
        # 1 Aug + 14 = Sat 15 Aug: runs to Monday 17 Aug.
        (datetime.date(2026, 8, 1), 14, datetime.date(2026, 8, 17), "weekend"),
    ],
)
def test_default_is_declared_the_day_after_the_period_ends(walk, served_on, days, due, label):
    case = noticed_case(walk, served_on, days)
    assert case.payment_due_on == due, label
    with at(due):
        assert declare_defaults() == {"defaulted": 0}
    with at(due + datetime.timedelta(days=1)):
        assert declare_defaults() == {"defaulted": 1}
        assert declare_defaults() == {"defaulted": 0}  # the second run changes nothing
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    entry = AuditEntry.objects.get(case=case, action="declare_default")
    assert (entry.actor, entry.actor_name, entry.from_state, entry.to_state) == (
        None,
        "system",
        "judgment",
        "defaulted",
    )


def test_a_paid_or_unnoticed_case_is_never_declared_in_default(walk):
    paid = noticed_case(walk, datetime.date(2026, 3, 2))
    with at(datetime.date(2026, 3, 5), 10):
        walk.pay(paid, Decimal("100000.00"))
    unnoticed = walk.case(filed_on=datetime.date(2026, 1, 5))
    with at(datetime.date(2026, 6, 1)):
        declare_defaults()
    for case in (paid, unnoticed):
        case.refresh_from_db()
    assert paid.state == CaseState.PAID
    assert unnoticed.state == CaseState.JUDGMENT


def test_publication_waits_for_the_grace_period_and_happens_once(walk):
    case = walk.listed(grace_months=1)
    decision = ListingDecision.objects.get(case=case)
    with at(decision.publish_on - datetime.timedelta(days=1)):
        assert publish_listings() == {"published": 0}
    with at(decision.publish_on):
        assert publish_listings() == {"published": 1}
        assert publish_listings() == {"published": 0}
    decision.refresh_from_db()
    assert decision.published_at is not None
    assert decision.expires_on == decision.publish_on.replace(year=decision.publish_on.year + 2) - datetime.timedelta(1)
    assert AuditEntry.objects.filter(case=case, action="listing_publish", actor_name="system").count() == 1


def test_expired_listings_leave_the_list_and_the_order_stays(walk):
    case = walk.listed(grounds=(3,))
    decision = ListingDecision.objects.get(case=case)
    with at(decision.expires_on):
        assert expire_listings() == {"expired": 0}
    with at(decision.expires_on + datetime.timedelta(days=1)):
        assert expire_listings() == {"expired": 1}
        assert expire_listings() == {"expired": 0}
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.state, decision.status) == (CaseState.RESTRICTED, "expired")
    assert RestrictionOrder.objects.get(case=case).status == "in_force"


def test_a_listing_until_performance_never_expires(walk):
    case = walk.listed(grounds=(1,))
    with at(datetime.date(2031, 1, 1)):
        assert expire_listings() == {"expired": 0}
    case.refresh_from_db()
    assert case.state == CaseState.LISTED


def test_the_night_closes_a_paid_case_the_worker_did_not(walk):
    case = walk.listed()
    walk.pay(case)  # the closing task, queued on commit, never runs inside the test transaction
    case.refresh_from_db()
    assert case.state == CaseState.PAID
    assert close_paid_cases() == {"closed_paid_in_full": 1, "closed_settlement_performed": 0}
    assert close_paid_cases() == {"closed_paid_in_full": 0, "closed_settlement_performed": 0}
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, "paid_in_full")


def test_the_safety_net_ends_sanctions_left_on_an_ended_case(walk):
    case = walk.listed()
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
    # Simulate a listing left in force by a fault (a restore from backup, say): the net must catch it.
    ListingDecision.objects.filter(case=case).update(status="in_force", ended_at=None)
    assert end_sanctions_of_ended_cases()["listings_removed"] == 1
    again = end_sanctions_of_ended_cases()
    assert (again["listings_removed"], again["orders_lifted"], again["proposals_lapsed"]) == (0, 0, 0)


def test_the_safety_net_starts_where_its_last_run_stopped(walk):
    end_sanctions_of_ended_cases()  # the night before: nothing to mend, and where it stopped is recorded
    case = walk.listed()
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
    RestrictionOrder.objects.filter(case=case).update(status="in_force", lifted_at=None)  # a fault
    counts = end_sanctions_of_ended_cases()
    assert counts["orders_lifted"] == 1
    last, before = JobRun.objects.filter(name="listings.tasks.end_sanctions_of_ended_cases").order_by("-id")[:2]
    assert last.detail["examined"]["audit_id_after"] == before.detail["examined"]["audit_id_to"]
    closing = AuditEntry.objects.filter(case=case, to_state=CaseState.CLOSED).values_list("pk", flat=True)
    assert last.detail["examined"]["audit_id_after"] < closing.get() <= last.detail["examined"]["audit_id_to"]
    assert last.processed == 1  # where it stopped is kept, not counted


def test_every_run_is_recorded_with_what_it_did(walk):
    case = noticed_case(walk, datetime.date(2026, 3, 2))
    with at(datetime.date(2026, 6, 1)):
        declare_defaults()
    run = JobRun.objects.get(name="enforcement.tasks.declare_defaults")
    assert (run.succeeded, run.processed, run.detail) == (True, 1, {"defaulted": 1})
    assert case.audit_entries.filter(action="declare_default").exists()


def test_a_failing_job_is_recorded_as_failed(walk, monkeypatch):
    from enforcement import services as enforcement_services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(enforcement_services, "cases_transition_many", broken)
    with pytest.raises(RuntimeError):
        declare_defaults()
    run = JobRun.objects.get(name="enforcement.tasks.declare_defaults")
    assert (run.succeeded, run.error) == (False, "RuntimeError: disk full")


def test_run_daily_jobs_runs_them_all_and_refuses_unknown_ones(walk, capsys, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    call_command("run_daily_jobs")
    assert "listings.tasks.open_data_export: {'files': 2}" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Unknown job"):
        call_command("run_daily_jobs", "nonsense.job")


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    from enforcement import workdays

    # Wed 30 Sep 2026 + 3 working days: 1-7 Oct is the National Day holiday, 8 and 9 Oct are working days,
    # and Saturday 10 Oct is a make-up working day.
    assert workdays.add_working_days(datetime.date(2026, 9, 30), 3) == datetime.date(2026, 10, 10)
    # Fri 13 Nov + 3: Mon 16, Tue 17, Wed 18.
    assert workdays.add_working_days(datetime.date(2026, 11, 13), 3) == datetime.date(2026, 11, 18)


def test_a_year_the_calendar_does_not_know_yet_counts_weekends_and_says_so(caplog):
    from enforcement import workdays

    # 31 Dec 2026 (Thu) + 3 working days runs into 2027, whose holiday notice is not out yet.
    assert workdays.add_working_days(datetime.date(2026, 12, 31), 3) == datetime.date(2027, 1, 5)
    assert "No PRC holiday data for 2027" in caplog.text
