"""Real concurrency on PostgreSQL: two members of the court decide one request at the same moment, each in a
thread with its own connection, starting from the same (soon stale) state of the request."""

import pytest
from django_fsm import ConcurrentTransition

from appeals import services
from appeals.models import RemovalRequest, RequestKind, RequestState
from enforcement.errors import Conflict
from enforcement.models import AuditEntry, CaseState, OutboxMessage
from tests.appeals.conftest import file_request, filed
from tests.enforcement.test_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres
def test_a_grant_and_a_reject_at_the_same_moment_make_one_decision(client, walk, clerk, approver):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.CREDITOR_CONSENT))
    stale = RemovalRequest.objects.get(pk=req.pk)  # what both decided from: submitted

    def decide(i):
        if i == 0:
            return services.removal_request_grant(actor=approver, request_id=stale.pk, reasons="Consent on file.")
        return services.removal_request_reject(actor=approver, request_id=stale.pk, reasons="No consent attached.")

    results = at_once(2, decide)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], Conflict)
    assert "A request that is" in errors[0].message  # "... granted cannot be rejected", or the other way round
    winner = next(r for r in results if not isinstance(r, Exception))

    req.refresh_from_db()
    case.refresh_from_db()
    assert req.state == winner.state
    decisions = AuditEntry.objects.filter(case=case, action__in=["request_grant", "request_reject"])
    assert decisions.count() == 1
    steps = set(OutboxMessage.objects.filter(key__startswith=f"appeals:{req.pk}:").values_list("key", flat=True))
    if req.state == RequestState.GRANTED:
        assert case.state == CaseState.CLOSED  # the effect was carried out, once
        assert f"appeals:{req.pk}:rejected" not in steps
    else:
        assert req.state == RequestState.REJECTED
        assert case.state == CaseState.LISTED  # the listing stays in force
        assert f"appeals:{req.pk}:granted" not in steps

    # The stale copy itself can no longer be saved over the decision.
    stale.withdraw()
    with pytest.raises(ConcurrentTransition):
        stale.save()
