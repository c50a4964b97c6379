"""Every state x every transition: exactly the edges of DESIGN.md's lifecycle are open, every other is refused."""

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition, can_proceed

from enforcement import services
from enforcement.errors import Conflict
from enforcement.models import AuditEntry, CaseState, EnforcementCase

S = CaseState
TRANSITIONS = [
    "declare_default",
    "restrict",
    "list_debtor",
    "expire",
    "revoke",
    "lift",
    "pay_in_full",
    "settle",
    "remove",
]

# The lifecycle of ../shared/DESIGN.md, as (transition -> source states).
ALLOWED = {
    "declare_default": {S.JUDGMENT},
    "restrict": {S.DEFAULTED},
    "list_debtor": {S.DEFAULTED, S.RESTRICTED},
    "expire": {S.LISTED},
    "revoke": {S.LISTED},
    "lift": {S.RESTRICTED},
    "pay_in_full": {S.JUDGMENT, S.DEFAULTED, S.RESTRICTED, S.LISTED},
    "settle": {S.JUDGMENT, S.DEFAULTED, S.RESTRICTED, S.LISTED},
    "remove": {S.PAID, S.DEFAULTED, S.RESTRICTED, S.LISTED},
}
TARGETS = {
    "declare_default": {S.DEFAULTED},
    "restrict": {S.RESTRICTED},
    "list_debtor": {S.LISTED},
    "expire": {S.RESTRICTED},
    "revoke": {S.RESTRICTED, S.DEFAULTED},
    "lift": {S.DEFAULTED},
    "pay_in_full": {S.PAID},
    "settle": {S.PAID},
    "remove": {S.CLOSED},
}


@pytest.mark.parametrize("transition", TRANSITIONS)
@pytest.mark.parametrize("state", list(S))
def test_transition_is_open_exactly_from_its_design_sources(state, transition):
    case = EnforcementCase(state=state)
    assert can_proceed(getattr(case, transition), check_conditions=False) == (state in ALLOWED[transition])


@pytest.mark.parametrize("transition", TRANSITIONS)
def test_transition_targets_match_the_design(transition):
    method = getattr(EnforcementCase, transition)
    targets = set()
    for source in ALLOWED[transition]:
        target = method._django_fsm.get_transition(source).target
        targets |= set(getattr(target, "allowed_states", None) or [target])
    assert targets == TARGETS[transition]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "transition"),
    [(state, t) for state in S for t in TRANSITIONS if state not in ALLOWED[t]],
)
def test_illegal_transition_is_refused_by_the_service_and_changes_nothing(walk, state, transition):
    case = _case_in_state(walk, state)
    entries = AuditEntry.objects.filter(case=case).count()
    kwargs = {"revoke": {"keep_restriction": True}}.get(transition, {})
    if transition == "remove":
        kwargs = {"closed_reason": "no_assets", "closed_on": case.filed_on}
    with transaction.atomic():
        locked = services.case_lock(case.pk)
        with pytest.raises(Conflict) as refused:
            services.case_transition(case=locked, transition=transition, actor=None, **kwargs)
    assert str(CaseState(state).label) in refused.value.message
    case.refresh_from_db()
    assert case.state == state
    assert AuditEntry.objects.filter(case=case).count() == entries


def _case_in_state(walk, state):
    if state == S.JUDGMENT:
        return walk.case()
    if state == S.DEFAULTED:
        return walk.defaulted()
    if state == S.RESTRICTED:
        return walk.restricted()
    if state == S.LISTED:
        return walk.listed()
    case = walk.listed()
    if state == S.PAID:
        walk.pay(case)  # on-commit closing does not run inside the test transaction: the case stays paid
    else:
        services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
    case.refresh_from_db()
    assert case.state == state
    return case


@pytest.mark.django_db
def test_a_stale_copy_cannot_be_saved_over_a_newer_state(walk):
    """django-fsm-2's ConcurrentTransitionMixin: the second writer of the same source state loses."""
    case = walk.defaulted()
    first = EnforcementCase.objects.get(pk=case.pk)
    stale = EnforcementCase.objects.get(pk=case.pk)
    with transaction.atomic():
        first.settle()
        first.save()
    stale.restrict()
    with pytest.raises(ConcurrentTransition):
        stale.save()


def test_state_cannot_be_assigned_directly():
    case = EnforcementCase.objects.model(state=S.JUDGMENT)
    with pytest.raises(AttributeError):
        case.state = S.CLOSED
