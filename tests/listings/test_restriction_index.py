"""The carriers' restriction index after every kind of change, through the real services: its entries are what
the orders in force, their bound persons and their lifts define (`restriction_index_drift` finds nothing), and a
check reads the answer from it. (The suite also asserts that drift is empty after every test.)"""

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.utils import timezone

from enforcement import services
from enforcement.identity import resident_id_check_char
from enforcement.models import CaseState
from listings import checks
from listings.invariants import restriction_index_drift
from listings.models import RestrictionIndexEntry, RestrictionOrder
from listings.services import listing_revoke, restriction_order_lift, temporary_lift_grant
from listings.services.restriction_index import restriction_index_refresh
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def entries() -> set[tuple[str, int, frozenset, bool]]:
    """The index as it is, after asserting it is what the rows define."""
    assert list(restriction_index_drift(timezone.localdate())) == []
    return {(e.id_number, e.order_id, e.categories, e.lifted) for e in RestrictionIndexEntry.objects.all()}


def restricted(number: str, category: str = "air_travel") -> bool:
    return number in checks.restricting_orders([number], category, timezone.localdate())


def order_of(case) -> RestrictionOrder:
    return RestrictionOrder.objects.get(case=case, status__in=["in_force", "lifted"])


def test_an_order_coming_into_force_indexes_its_debtor_and_lifting_it_removes_them(walk):
    case = walk.restricted()
    order = order_of(case)
    assert entries() == {(case.debtor.id_number, order.pk, order.categories, False)}
    assert restricted(case.debtor.id_number)
    restriction_order_lift(actor=walk.approver, order_id=order.pk, reason="security_given")
    assert entries() == set()
    assert not restricted(case.debtor.id_number)


def test_an_organisations_order_indexes_its_responsible_persons_and_one_named_later(walk, clerk):
    company = OrganisationFactory()
    officer = ResponsiblePersonFactory(organisation=company, role="legal_representative")
    case = walk.restricted(debtor=company)
    order = order_of(case)
    assert {e[0] for e in entries()} == {company.id_number, officer.person.id_number}
    later = PersonFactory()
    services.responsible_person_add(actor=clerk, organisation_id=company.pk, person_id=later.pk, role="principal")
    assert {e[0] for e in entries()} == {company.id_number, officer.person.id_number, later.id_number}
    assert restricted(later.id_number)
    assert {e[1] for e in entries()} == {order.pk}


def test_a_corrected_id_number_moves_the_entry(walk, clerk):
    case = walk.restricted()
    old = case.debtor.id_number
    body = old[:14] + ("01" if old[14:16] != "01" else "02") + old[16]  # the same birth date and sex
    new = body + resident_id_check_char(body)
    services.party_update(actor=clerk, party_id=case.debtor_id, id_number=new)
    assert {e[0] for e in entries()} == {new}
    assert restricted(new)
    assert not restricted(old)


def test_a_temporary_lift_flags_the_entry_and_the_check_asks_it_for_its_days_only(walk, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC))
    case = walk.restricted()
    order = order_of(case)
    temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=["air_travel"],
        starts_on=timezone.localdate() + datetime.timedelta(days=1),
        ends_on=timezone.localdate() + datetime.timedelta(days=2),
        reason="exam",
    )
    assert entries() == {(case.debtor.id_number, order.pk, order.categories, True)}
    assert restricted(case.debtor.id_number)  # the lift starts tomorrow
    time_machine.shift(datetime.timedelta(days=1))
    assert not restricted(case.debtor.id_number)
    assert restricted(case.debtor.id_number, "rail_high_speed")
    time_machine.shift(datetime.timedelta(days=2))
    assert restricted(case.debtor.id_number)  # the lift has ended; the index never changed


def test_a_listing_revoked_in_error_lifts_its_companion_order_out_of_the_index(walk):
    case = walk.listed(from_state=CaseState.DEFAULTED)
    assert {e[1] for e in entries()} == {order_of(case).pk}
    listing_revoke(actor=walk.approver, decision_id=case.listing_decisions.get().pk, reason="wrong debtor")
    assert entries() == set()


def test_paying_in_full_empties_the_index_through_the_daily_sweep(walk):
    case = walk.listed()
    assert entries()
    walk.pay(case)  # the case closes (outbox task, run in-process here): its order is lifted set-wise
    assert order_of(case).status == "lifted"
    assert entries() == set()


@pytest.mark.breaks_list_invariants(reason="corrupts the index for the command to find and repair")
def test_the_command_reports_drift_and_rebuilds_the_index(walk, capsys):
    case = walk.restricted()
    RestrictionIndexEntry.objects.all().delete()
    with pytest.raises(CommandError, match="differs from the rows of 1 order"):
        call_command("restriction_index", "--check")
    assert str(order_of(case).order_number) in capsys.readouterr().err
    call_command("restriction_index", "--rebuild")
    assert "agrees with the orders in force: 1 entries" in capsys.readouterr().out
    assert restricted(case.debtor.id_number)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_lifted_while_its_entries_are_being_rewritten_leaves_no_stale_entry(walk):
    """One transaction rewrites an order's entries (as an ID number correction does) and has not committed; another
    lifts the order meanwhile. The lift waits for the rewrite (the order's row lock) and then removes what it
    wrote: no entry is left claiming a lifted order restricts anyone."""
    order = order_of(walk.restricted())
    rewritten, release = threading.Event(), threading.Event()
    failures = []

    def rewrite():
        try:
            with transaction.atomic():
                restriction_index_refresh(order_ids=[order.pk])
                rewritten.set()
                release.wait(10)
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    def lift():
        try:
            rewritten.wait(10)
            restriction_order_lift(actor=walk.approver, order_id=order.pk, reason="security_given")
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rewrite), threading.Thread(target=lift)]
    for thread in threads:
        thread.start()
    rewritten.wait(10)
    time.sleep(0.5)  # the lift is now waiting for the order's lock (or, without it, has deleted what it saw)
    release.set()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert order_of(order.case).status == "lifted"
    assert entries() == set()


def test_a_court_renamed_is_named_so_in_the_answers(walk):
    case = walk.restricted()
    court = case.court
    court.name = "北京市东城区人民法院（更名）"
    court.save()
    assert {e.court_name for e in RestrictionIndexEntry.objects.all()} == {court.name}
    [order] = checks.restricting_orders([case.debtor.id_number], "air_travel", timezone.localdate())[
        case.debtor.id_number
    ]
    assert order.court == court.name
    assert entries()
