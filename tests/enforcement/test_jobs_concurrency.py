"""Two copies of a sweep at once split the work (SKIP LOCKED): every case moves once, one audit row each.
And a daily job sent through the real broker runs on a real worker.

The publication sweep and the outbox relay are tested the hard way: one copy is held inside its transaction,
its claim open, while the other runs to the end. With the claims (SKIP LOCKED) the second copy leaves the held
rows alone and finishes at once; without locks it would publish or send them too; with plain locks it would
wait for the first copy and never finish while the claim is held."""

import datetime
import threading
import time
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections, transaction

from enforcement import services
from enforcement.models import AuditEntry, CaseState, EnforcementCase, OutboxMessage
from enforcement.services import outbox as outbox_module
from enforcement.signals import cases_transitioned
from enforcement.tasks import declare_defaults
from listings.models import FeedEvent, ListingDecision
from listings.services import sweeps

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


def test_a_sweeps_batch_commits_durably(walk):
    """A committed batch is visible to carriers (its feed events) at once: it must survive a server crash, so the
    sweep never turns synchronous_commit off."""
    overdue_cases(walk, 3)
    seen = []

    def inside_the_batch(sender, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    cases_transitioned.connect(inside_the_batch, dispatch_uid="test-durability")
    try:
        with time_machine.travel(LATER):
            services.cases_transition_many(
                case_ids=EnforcementCase.objects.values_list("pk", flat=True),
                transition="declare_default",
                reason="sweep",
            )
    finally:
        cases_transitioned.disconnect(dispatch_uid="test-durability")
    assert seen == ["on"]


class HeldClaim:
    """Holds the first copy (thread "held") inside its transaction, at `hold()`, until the other copy is done."""

    def __init__(self):
        self.barrier = threading.Barrier(2)
        self.claimed = threading.Event()
        self.other_done = threading.Event()
        self.other_finished_while_held = None
        self.errors = []

    def hold(self):
        if threading.current_thread().name == "held" and not self.claimed.is_set():
            self.claimed.set()
            self.other_finished_while_held = self.other_done.wait(timeout=15)

    def run(self, job):
        results = {}

        def held():
            try:
                self.barrier.wait(timeout=10)
                results["held"] = job()
            except Exception as exc:  # reported by the assertion below, with the thread's error
                self.errors.append(exc)
            finally:
                self.claimed.set()
                connections.close_all()

        def other():
            try:
                self.barrier.wait(timeout=10)
                assert self.claimed.wait(timeout=15), "the first copy never claimed anything"
                results["other"] = job()
            except Exception as exc:
                self.errors.append(exc)
            finally:
                self.other_done.set()
                connections.close_all()

        threads = [threading.Thread(target=held, name="held"), threading.Thread(target=other, name="other")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not self.errors, self.errors
        assert self.other_finished_while_held, "the second copy waited for the first one's claim"
        return results


def test_two_publication_sweeps_at_once_publish_each_listing_once(walk, monkeypatch):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)):
        cases = [walk.listed(grace_months=1) for _ in range(12)]
    decisions = list(ListingDecision.objects.filter(case__in=cases).values_list("pk", flat=True))
    assert not FeedEvent.objects.filter(kind=FeedEvent.Kind.LISTING_PUBLISHED).exists()
    claim = HeldClaim()
    feed_listings = sweeps.feed_listings

    def feed_then_hold(**kwargs):
        written = feed_listings(**kwargs)
        claim.hold()  # the first copy's rows are locked and changed, its transaction still open
        return written

    monkeypatch.setattr(sweeps, "feed_listings", feed_then_hold)
    results = claim.run(lambda: sweeps.publish_due(chunk_size=5))

    assert results["held"] == 5  # its first chunk
    assert results["other"] == 7  # the rest: the held chunk skipped, not published twice
    published = FeedEvent.objects.filter(kind=FeedEvent.Kind.LISTING_PUBLISHED)
    assert sorted(Counter(published.values_list("document_number", flat=True)).values()) == [1] * 12
    assert AuditEntry.objects.filter(action="listing_publish").count() == 12
    assert ListingDecision.objects.filter(pk__in=decisions, published_at__isnull=True).count() == 0


def test_two_outbox_relays_at_once_send_each_message_once(monkeypatch):
    monkeypatch.setattr(outbox_module, "_nudge_relay", lambda: None)
    with transaction.atomic():
        for n in range(8):
            services.outbox_email(to=f"debtor{n}@example.org", subject=f"Notice {n}", body="...")
    claim = HeldClaim()
    deliver = outbox_module._deliver
    delivered = []

    def deliver_and_hold(message):
        claim.hold()  # the first copy has claimed this message and not yet sent it
        delivered.append(message.pk)
        deliver(message)

    monkeypatch.setattr(outbox_module, "_deliver", deliver_and_hold)
    results = claim.run(outbox_module.outbox_send_due)

    assert results["other"]["sent"] == 7  # everything but the held message
    assert results["held"]["sent"] == 1
    assert sorted(Counter(delivered).values()) == [1] * 8
    assert sorted(m.subject for m in mail.outbox) == sorted(f"Notice {n}" for n in range(8))
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
