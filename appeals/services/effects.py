"""What granting a request does to the case, through the case and listing services only (never a direct write),
inside the transaction of the grant: if the effect is refused, the grant is too.

Returns a one-line summary in the language of the request, for the debtor's e-mail and the tracking page.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from appeals.models import RequestKind
from enforcement import services as case_services
from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import OPEN_STATES, CaseState, paid_closing_reason
from enforcement.rules import ClosingReason
from listings import services as listing_services
from listings.models import ListingDecision, RestrictionOrder

CORRECTABLE_CASE_FIELDS = ("basis_issuer", "basis_number", "obligation", "amount_due")


def _in_language(request, text_factory) -> str:
    with translation.override(request.language):
        return str(text_factory())


def _listing_in_force(case_id: int):
    return ListingDecision.objects.filter(case_id=case_id, status=ListingDecision.Status.IN_FORCE).first()


def _order_in_force(case_id: int):
    return (
        RestrictionOrder.objects.filter(case_id=case_id, status=RestrictionOrder.Status.IN_FORCE)
        .order_by("-id")
        .first()
    )


def _close_paid(actor, case, note: str) -> None:
    reason = paid_closing_reason(case)
    case_services.case_close(actor=actor, case_id=case.pk, reason=reason, note=note)


def carry_out(*, request, actor, reasons: str, **effect) -> str:
    case = request.case
    kind = request.kind
    closed = lambda: _in_language(request, lambda: _("The case was already closed; it is off the list."))  # noqa: E731

    if kind == RequestKind.WRONGLY_LISTED:
        decision = _listing_in_force(case.pk)
        if decision is None:
            raise Conflict(_("The debtor is not listed on this case: there is no listing to revoke."))
        listing_services.listing_revoke(actor=actor, decision_id=decision.pk, reason=reasons)
        return _in_language(request, lambda: _("The listing was revoked as made in error; it is off the list."))

    if kind == RequestKind.INACCURATE:
        return _correct(request, actor, reasons, effect)

    if kind in (RequestKind.PAID, RequestKind.SETTLED, RequestKind.CREDITOR_CONSENT) and case.state == CaseState.CLOSED:
        return closed()

    if kind == RequestKind.PAID:
        if case.state != CaseState.PAID:
            raise RuleViolation(
                _("A balance of %(b)s %(c)s remains: record the payment on the case page first, then grant.")
                % {"b": case.balance, "c": case.currency}
            )
        _close_paid(actor, case, reasons)
        return _in_language(request, lambda: _("The case was closed as paid; it is off the list."))

    if kind == RequestKind.SETTLED:
        if case.state in OPEN_STATES:
            case_services.case_settle(actor=actor, case_id=case.pk, reason=reasons)
            case.refresh_from_db()
        _close_paid(actor, case, reasons)
        return _in_language(request, lambda: _("The case was closed as settled; it is off the list."))

    if kind == RequestKind.CREDITOR_CONSENT:
        case_services.case_close(actor=actor, case_id=case.pk, reason=ClosingReason.CREDITOR_REQUEST, note=reasons)
        return _in_language(request, lambda: _("The case was closed at the creditor's request; it is off the list."))

    if kind == RequestKind.SECURITY_GIVEN:
        # Security ends a listing on ground (1) alone and lifts the restriction; the listings service refuses the
        # rest with its reason (a listing on grounds (2)-(6) stays).
        done = listing_services.sanctions_end_on_security(actor=actor, case_id=case.pk, reason=reasons)
        if done["listing_ended"]:
            return _in_language(
                request,
                lambda: _("Security given: the listing on this case was ended and the restriction lifted."),
            )
        return _in_language(request, lambda: _("Security given: the restriction on this case was lifted."))

    if kind == RequestKind.TEMPORARY_LIFT:
        order = _order_in_force(case.pk)
        if order is None:
            raise Conflict(_("No restriction order is in force on this case: there is nothing to lift."))
        starts_on = effect.get("lift_starts_on") or request.lift_starts_on
        ends_on = effect.get("lift_ends_on") or request.lift_ends_on
        lift = listing_services.temporary_lift_grant(
            actor=actor,
            order_id=order.pk,
            categories=effect.get("lift_categories") or request.lift_categories,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=request.lift_reason,
            note=reasons,
        )
        return _in_language(
            request,
            lambda: (
                _("Travel allowed from %(start)s to %(end)s inclusive.")
                % {"start": lift.starts_on.isoformat(), "end": lift.ends_on.isoformat()}
            ),
        )

    raise InvalidInput(_("Unknown kind of request."))


def _correct(request, actor, reasons: str, effect: dict) -> str:
    case = request.case
    name = (effect.get("debtor_name") or "").strip()
    changes = {
        field: effect[field]
        for field in CORRECTABLE_CASE_FIELDS
        if effect.get(field) not in (None, "") and effect[field] != getattr(case, field)
    }
    if (not name or name == case.debtor.name) and not changes:
        raise InvalidInput(_("Enter the corrected data: what the debtor showed to be wrong."), field="debtor_name")
    if name and name != case.debtor.name:
        case_services.party_update(actor=actor, party_id=case.debtor_id, reason=reasons, name=name)
    if changes:
        case_services.case_update(actor=actor, case_id=case.pk, reason=reasons, **changes)
    return _in_language(request, lambda: _("The data was corrected as requested."))
