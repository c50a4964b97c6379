"""Every change of a request's state, through the one transition path (`enforcement.services.transition_apply`):
lock the case then the request, ask the FSM whether this actor may do this now, transition, save, audit on the
case's trail; a grant carries out its effect through the case and listing services in the same transaction, and
the debtor's e-mail goes through the outbox.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import DECIDING_ROLE, RemovalRequest, RequestKind, RequestState
from appeals.services.effects import carry_out
from appeals.services.filing import _detail, _lock, _withdrawal_code_matches
from appeals.services.notices import tell_debtor
from enforcement import permissions, rules, workdays
from enforcement.errors import Conflict, DomainError, Forbidden, InvalidInput
from enforcement.services import audit_write, transition_apply
from enforcement.services import refusal as fsm_refusal

MAX_STATEMENT = 5000


def refusal(request: RemovalRequest, transition: str, actor) -> DomainError | None:
    """Why `actor` may not take `transition` on this request now (as the error to raise), or None: the FSM's
    answer, asked by the services and the admin's buttons alike."""
    return fsm_refusal(request, transition, actor)


def _apply(case, request, transition: str, actor, *, reason: str = "", detail: dict | None = None, **kwargs):
    transition_apply(
        obj=request,
        transition=transition,
        actor=actor,
        case=case,
        action=f"request_{transition}",
        reason=reason,
        legal_basis=rules.LISTING_PROVISIONS,
        detail={**_detail(request), **(detail or {})},
        **kwargs,
    )


def _reasons(reasons: str) -> str:
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput(_("A decision needs its reasons."), field="reasons")
    return reasons


def removal_request_start_review(*, actor, request_id: int) -> RemovalRequest:
    with transaction.atomic():
        case, request = _lock(request_id)
        _apply(case, request, "start_review", actor)
        tell_debtor(request, "review_started")
    return request


def removal_request_grant(*, actor, request_id: int, reasons: str, **effect) -> RemovalRequest:
    """Grant the request and carry out its effect on the case in the same transaction (all or nothing)."""
    reasons = _reasons(reasons)
    with transaction.atomic():
        case, request = _lock(request_id)
        now = timezone.now()
        _apply(case, request, "grant", actor, reason=reasons, by=actor, at=now, reasons=reasons)
        request.effect_summary = carry_out(request=request, actor=actor, reasons=reasons, **effect)
        request.effect_done_at, request.due_on = now, None
        request.save(update_fields=["effect_summary", "effect_done_at", "due_on"])
        tell_debtor(request, "granted")
    return request


def removal_request_reject(*, actor, request_id: int, reasons: str) -> RemovalRequest:
    """Reject with reasons. The 10-day window to ask the higher court for reconsideration runs from the
    rejection's service on the filer (`removal_request_serve`), not from the decision: by e-mail the day it is
    sent, otherwise the day the filer opens the tracking page. The listing stays in force meanwhile."""
    reasons = _reasons(reasons)
    with transaction.atomic():
        case, request = _lock(request_id)
        _apply(case, request, "reject", actor, reason=reasons, by=actor, at=timezone.now(), reasons=reasons)
        request.due_on = None
        request.save(update_fields=["due_on"])
        tell_debtor(
            request,
            "rejected",
            after_sent={"task": "appeals.tasks.rejection_served", "kwargs": {"request_id": request.pk}},
        )
    return request


def removal_request_serve(*, request_id: int, on: datetime.date, by: str) -> bool:
    """The rejection reached the filer on `on` (`by`: "email", "tracking_page"): record the service and open the
    reconsideration window from it. Idempotent: the first service counts. Returns whether it was recorded now."""
    with transaction.atomic():
        case, request = _lock(request_id)
        if request.state != RequestState.REJECTED or request.rejection_served_on is not None:
            return False
        request.rejection_served_on = on
        request.window_closes_on = workdays.period_end(on, rules.get("reconsideration_window_days"))
        request.save(update_fields=["rejection_served_on", "window_closes_on"])
        audit_write(
            case=case,
            actor=None,
            action="request_served",
            reason=by,
            legal_basis=rules.LISTING_PROVISIONS,
            detail={**_detail(request), "served_on": on.isoformat(), "by": by},
        )
    return True


def removal_request_withdraw(*, tracking_code: str, withdrawal_code: str) -> RemovalRequest:
    """The person who filed the request withdraws it, before the court decides, with the withdrawal code they
    alone were given. The tracking code is not enough: whoever can identify the case could learn it."""
    with transaction.atomic():
        case, request = _lock(tracking_code=tracking_code)
        if not _withdrawal_code_matches(request, withdrawal_code):
            raise Forbidden(
                _(
                    "This is not the withdrawal code of this request. Only the person who filed it can withdraw it, "
                    "with the code on the receipt and in the receipt e-mail."
                ),
                field="withdrawal_code",
            )
        _apply(case, request, "withdraw", None, detail={"by": "debtor"})
        request.due_on = None
        request.save(update_fields=["due_on"])
        tell_debtor(request, "withdrawn")
    return request


def removal_request_ask_reconsideration(*, tracking_code: str, statement: str) -> RemovalRequest:
    """The debtor asks the higher court to reconsider a rejection, within 10 days of its service."""
    statement = (statement or "").strip()
    if not statement:
        raise InvalidInput(_("Say why the rejection is wrong."), field="statement")
    if len(statement) > MAX_STATEMENT:
        raise InvalidInput(_("The statement has at most %(n)d characters.") % {"n": MAX_STATEMENT}, field="statement")
    with transaction.atomic():
        case, request = _lock(tracking_code=tracking_code)
        _apply(
            case,
            request,
            "request_reconsideration",
            None,
            reason=statement[:500],
            detail={"by": "debtor"},
            at=timezone.now(),
            statement=statement,
        )
        request.due_on = workdays.period_end(timezone.localdate(), rules.get("reconsideration_decision_days"))
        request.save(update_fields=["due_on"])
        tell_debtor(request, "reconsideration_requested")
    return request


def removal_request_reconsider(*, actor, request_id: int, overturn: bool, reasons: str) -> RemovalRequest:
    """A reviewer of the higher court upholds or overturns the rejection. Overturned, the enforcing court must
    carry the request out within 3 working days (`removal_request_carry_out`)."""
    reasons = _reasons(reasons)
    with transaction.atomic():
        case, request = _lock(request_id)
        transition = "overturn" if overturn else "uphold"
        _apply(case, request, transition, actor, reason=reasons, by=actor, at=timezone.now(), reasons=reasons)
        request.due_on = (
            workdays.add_working_days(timezone.localdate(), rules.get("correction_effect_working_days"))
            if overturn
            else None
        )
        request.save(update_fields=["due_on"])
        tell_debtor(request, "overturned" if overturn else "upheld")
    return request


def removal_request_carry_out(*, actor, request_id: int, note: str = "", **effect) -> RemovalRequest:
    """The enforcing court carries out a request the higher court granted on reconsideration."""
    with transaction.atomic():
        case, request = _lock(request_id)
        if request.state != RequestState.OVERTURNED or request.effect_done_at is not None:
            raise Conflict(
                _("Only a request overturned on reconsideration and not yet carried out is carried out here.")
            )
        role = DECIDING_ROLE[RequestKind(request.kind)]
        if actor is not None and not permissions.has_role(actor, request.court_id, role):
            raise Forbidden(
                _("This kind of request is carried out by a member of %(court)s with the role: %(role)s.")
                % {"role": role.label, "court": request.court}
            )
        reasons = note.strip() or request.reconsideration_reasons
        request.effect_summary = carry_out(request=request, actor=actor, reasons=reasons, **effect)
        request.effect_done_at, request.due_on = timezone.now(), None
        request.save(update_fields=["effect_summary", "effect_done_at", "due_on"])
        audit_write(
            case=case,
            actor=actor,
            action="request_carry_out",
            reason=reasons,
            legal_basis=rules.LISTING_PROVISIONS,
            detail=_detail(request),
        )
        tell_debtor(request, "carried_out")
    return request
