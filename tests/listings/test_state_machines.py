"""The state x transition matrix and the per-court permission matrix of every state machine, asked of the one
refusal function (`enforcement.services.refusal`) that the services, the admin's buttons and the API all ask.

The expected tables are written out here, not read from the FSM declarations, so a change of a declaration
fails until the table (the rule) is changed too.
"""

import pytest

from appeals.models import RemovalRequest, RequestKind, RequestState
from enforcement.errors import Conflict, Forbidden, RuleViolation
from enforcement.models import CaseState, EnforcementCase, StaffRole
from enforcement.services import refusal
from listings.models import ListingDecision, RestrictionOrder
from tests.factories import CaseFactory, CourtFactory, UserFactory

pytestmark = pytest.mark.django_db

LISTING = {
    "approve": {"proposed"},
    "reject": {"proposed"},
    "lapse": {"proposed"},
    "expire": {"in_force"},
    "remove": {"in_force"},
    "revoke": {"in_force"},
}
ORDER = {
    "approve": {"proposed"},
    "reject": {"proposed"},
    "lapse": {"proposed"},
    "lift": {"in_force"},
}
REQUEST = {
    "start_review": {"submitted"},
    "grant": {"submitted", "under_review"},
    "reject": {"submitted", "under_review"},
    "withdraw": {"submitted", "under_review"},
    "request_reconsideration": {"rejected"},
    "uphold": {"reconsideration_requested"},
    "overturn": {"reconsideration_requested"},
}
CASE = {
    "declare_default": {"judgment"},
    "restrict": {"defaulted"},
    "list_debtor": {"defaulted", "restricted"},
    "expire": {"listed"},
    "delist": {"listed"},
    "revoke": {"listed"},
    "lift": {"restricted"},
    "pay_in_full": {"judgment", "defaulted", "restricted", "listed"},
    "settle": {"judgment", "defaulted", "restricted", "listed"},
    "remove": {"paid", "defaulted", "restricted", "listed"},
}


@pytest.fixture
def world(db):
    court = CourtFactory(higher_court=CourtFactory())
    other = CourtFactory()
    users = {
        "clerk": UserFactory(roles=[(court, StaffRole.Role.CLERK)]),
        "approver": UserFactory(roles=[(court, StaffRole.Role.APPROVER)]),
        "proposer_approver": UserFactory(roles=[(court, StaffRole.Role.APPROVER)]),
        "other_approver": UserFactory(roles=[(other, StaffRole.Role.APPROVER)]),
        "reviewer": UserFactory(roles=[(court.higher_court, StaffRole.Role.REVIEWER)]),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    return court, users


def _makers(court, proposer):
    """For each machine, a function making an (unsaved) record in a given state: the protected state field is
    set when the record is made, as when it is read from the database."""
    case = CaseFactory(court=court)
    return {
        "listing": lambda state: ListingDecision(
            case=case, court=court, proposed_by=proposer, grounds=frozenset({2}), status=state
        ),
        "order": lambda state: RestrictionOrder(
            case=case, proposed_by=proposer, categories=frozenset({"air_travel"}), status=state
        ),
        "request": lambda state: RemovalRequest(
            case=case, court=court, higher_court=court.higher_court, kind=RequestKind.PAID, state=state
        ),
        "case": lambda state: EnforcementCase(court=court, state=state, amount_due=1, amount_paid=0),
    }


MACHINES = {
    "listing": (LISTING, ListingDecision.Status.values),
    "order": (ORDER, RestrictionOrder.Status.values),
    "request": (REQUEST, RequestState.values),
    "case": (CASE, CaseState.values),
}


def test_every_state_machine_refuses_exactly_the_transitions_its_state_does_not_allow(world):
    court, users = world
    makers = _makers(court, users["proposer_approver"])
    wrong = []
    for machine, (table, states) in MACHINES.items():
        for state in states:
            record = makers[machine](state)
            for transition, sources in table.items():
                error = refusal(record, transition, None)  # the state alone: no permission applies to the system
                refused_for_state = isinstance(error, Conflict) and not isinstance(error, RuleViolation)
                if (state in sources) == refused_for_state:
                    wrong.append(f"{machine}: {state} -{transition}-> {'refused' if refused_for_state else 'allowed'}")
    assert wrong == []


# Who may take each user-facing transition, in the record's own court (other_approver is of another court).
PERMISSIONS = {
    ("listing", "approve"): {"approver", "superuser"},  # never the proposer: four eyes
    ("listing", "reject"): {"approver", "proposer_approver", "superuser"},
    ("listing", "revoke"): {"approver", "proposer_approver", "superuser"},
    ("listing", "remove"): {"approver", "proposer_approver", "superuser"},
    ("listing", "expire"): {"clerk", "superuser"},
    ("order", "approve"): {"approver", "superuser"},
    ("order", "reject"): {"approver", "proposer_approver", "superuser"},
    ("order", "lift"): {"approver", "proposer_approver", "superuser"},
    ("request", "start_review"): {"clerk", "approver", "proposer_approver", "superuser"},
    ("request", "grant"): {"clerk", "superuser"},  # a "paid" request is a clerk's (DECIDING_ROLE)
    ("request", "reject"): {"clerk", "superuser"},
    ("request", "uphold"): {"reviewer", "superuser"},
    ("case", "declare_default"): {"clerk", "superuser"},
    ("case", "revoke"): {"approver", "proposer_approver", "superuser"},
    ("case", "delist"): {"approver", "proposer_approver", "superuser"},
}
SOURCE = {"listing": "in_force", "order": "in_force", "request": "submitted", "case": "listed"}
SOURCE_FOR = {
    ("listing", "approve"): "proposed",
    ("listing", "reject"): "proposed",
    ("order", "approve"): "proposed",
    ("order", "reject"): "proposed",
    ("request", "uphold"): "reconsideration_requested",
    ("case", "declare_default"): "judgment",
}


@pytest.mark.parametrize(("machine", "transition"), sorted(PERMISSIONS))
def test_the_per_court_permission_matrix(world, machine, transition):
    court, users = world
    record = _makers(court, users["proposer_approver"])[machine](SOURCE_FOR.get((machine, transition), SOURCE[machine]))
    allowed = {name for name, user in users.items() if not isinstance(refusal(record, transition, user), Forbidden)}
    assert allowed == PERMISSIONS[(machine, transition)]


def test_closing_a_case_is_a_clerks_act_only_while_nothing_is_in_force(world):
    court, users = world
    make = _makers(court, users["proposer_approver"])["case"]
    allowed = {
        state: refusal(make(state), "remove", users["clerk"]) is None
        for state in (CaseState.DEFAULTED, CaseState.PAID, CaseState.RESTRICTED, CaseState.LISTED)
    }
    assert allowed == {"defaulted": True, "paid": True, "restricted": False, "listed": False}
