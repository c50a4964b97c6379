"""Restriction orders and listing decisions: propose, sign (four eyes), refuse, publish, expire, revoke, lift.

Every function locks the case first (`enforcement.services.case_lock`), then the decision rows, so two clerks
acting on one case queue in the same order. Case state changes go through `enforcement.services.case_transition`.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import identity, permissions, rules
from enforcement.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from enforcement.models import CaseState, EnforcementCase, ResponsiblePerson
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason, RestrictionCategory
from enforcement.selectors import creditor_removal_bar_until
from enforcement.services import audit_write, case_lock, case_transition
from listings.models import ListingDecision, RestrictionOrder, RestrictionSubject

LISTABLE_STATES = (CaseState.DEFAULTED, CaseState.RESTRICTED)


# --- checks ------------------------------------------------------------------------------------------------------


def _require_role(actor, case: EnforcementCase, role: str) -> None:
    if actor is not None and not permissions.has_role(actor, case.court_id, role):
        raise Forbidden(
            _("Only a %(role)s of %(court)s may do this.") % {"role": Role(role).label.lower(), "court": case.court}
        )


def _require_four_eyes(actor, record) -> None:
    if actor is not None and record.proposed_by_id == actor.pk:
        raise Forbidden(_("You proposed this; another approver of the court must sign it (four eyes)."))


def _document_number(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("Record the number of the signed document."), field=field)
    return value


def _served_on(value: datetime.date | None, today: datetime.date) -> datetime.date:
    if value is None:
        raise InvalidInput(_("Record the day the document was served on the debtor."), field="served_on")
    if value > today:
        raise InvalidInput(_("A document cannot have been served in the future."), field="served_on")
    return value


def listing_period_years(grounds, extension_years: int) -> int | None:
    """Ground (1) alone lasts until performance; any of grounds (2)-(6) sets the base period plus the extension."""
    if set(grounds) <= {Ground.ABLE_BUT_REFUSES}:
        return None
    return rules.get("listing_base_period_years") + extension_years


def listing_refusals(
    *,
    case: EnforcementCase,
    grounds,
    extension_years: int = 0,
    extension_reason: str = "",
    grace_months: int = 0,
    on: datetime.date,
) -> list[tuple[str | None, str]]:
    """Every rule that refuses listing this debtor now, as (form field, message). Empty: the listing may go ahead."""
    refusals: list[tuple[str | None, str]] = []
    grounds = {Ground(g) for g in grounds}
    debtor = case.debtor
    if case.state not in LISTABLE_STATES:
        refusals.append(
            (
                None,
                _("Only a defaulted or restricted debtor can be listed; this case is %(state)s.")
                % {"state": case.get_state_display()},
            )
        )
    if not (case.notice_served_on and case.notice_warns_listing):
        refusals.append(
            (
                None,
                _("No enforcement notice warning of listing has been served on the debtor; serve one before listing."),
            )
        )
    if case.balance <= 0:
        refusals.append((None, _("Nothing is owed: the balance is zero.")))
    if not grounds:
        refusals.append(("grounds", _("Give at least one ground for listing.")))
    if debtor.is_person and debtor.birth_date and identity.age_on(debtor.birth_date, on) < rules.get("age_of_majority"):
        refusals.append(
            (
                None,
                _("The debtor is a minor (born %(d)s); minors are never listed.")
                % {"d": debtor.birth_date.isoformat()},
            )
        )
    if Ground.ABLE_BUT_REFUSES in grounds:
        if case.security_given:
            refusals.append(("grounds", _("Ground (1) cannot be used: the debtor has given full security.")))
        if case.seized_assets_value > 0 and case.seized_assets_value >= case.balance:
            refusals.append(
                (
                    "grounds",
                    _("Ground (1) cannot be used: the seized assets (%(seized)s) cover the balance (%(balance)s).")
                    % {"seized": case.seized_assets_value, "balance": case.balance},
                )
            )
        if case.subsidiary_liability:
            refusals.append(
                ("grounds", _("Ground (1) cannot be used: the debtor is liable only after another debtor."))
            )
    max_extension = rules.get("listing_max_extension_years")
    if extension_years:
        if grounds and grounds <= {Ground.ABLE_BUT_REFUSES}:
            refusals.append(
                (
                    "extension_years",
                    _("A listing on ground (1) alone lasts until performance and cannot be extended."),
                )
            )
        if not 1 <= extension_years <= max_extension:
            refusals.append(("extension_years", _("An extension is 1 to %(max)d years.") % {"max": max_extension}))
        if not extension_reason.strip():
            refusals.append(
                ("extension_reason", _("Say why the period is extended (serious violence or repeated acts)."))
            )
    max_grace = rules.get("listing_max_grace_months")
    if not 0 <= grace_months <= max_grace:
        refusals.append(("grace_months", _("The grace period is 0 to %(max)d months.") % {"max": max_grace}))
    barred_until = creditor_removal_bar_until(creditor_id=case.creditor_id, debtor_id=case.debtor_id, on=on)
    if barred_until:
        refusals.append(
            (
                None,
                _(
                    "This creditor asked for this debtor's removal from the list; a new listing on their application "
                    "is barred until %(d)s."
                )
                % {"d": barred_until.isoformat()},
            )
        )
    return refusals


def _raise_refusals(refusals: list[tuple[str | None, str]]) -> None:
    if refusals:
        field = next((f for f, _m in refusals if f), None)
        raise RuleViolation(" ".join(message for _f, message in refusals), field=field)


def _active(model, case: EnforcementCase):
    return model.objects.select_for_update().filter(
        case=case, status__in=[model.Status.PROPOSED, model.Status.IN_FORCE]
    )


def _get_locked(model, pk: int, *, expected_case_state=None):
    """Lock the case of a decision, then the decision itself: the order every writer follows."""
    case_id = model.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("There is no %(what)s %(id)s.") % {"what": model._meta.verbose_name, "id": pk})
    case = case_lock(case_id, expected_state=expected_case_state)
    record = model.objects.select_for_update().get(pk=pk)
    record.case = case
    return case, record


def _add_subjects(order: RestrictionOrder, case: EnforcementCase, responsible_ids) -> list[int]:
    """Bind the debtor and, for an organisation, its responsible persons (all of them unless chosen)."""
    subjects = [RestrictionSubject(order=order, party=case.debtor, role=RestrictionSubject.DEBTOR)]
    links = ResponsiblePerson.objects.filter(organisation=case.debtor)
    if responsible_ids is not None:
        links = links.filter(pk__in=responsible_ids)
        if len(links) != len(set(responsible_ids)):
            raise InvalidInput(
                _("Choose only responsible persons of the debtor organisation."), field="responsible_persons"
            )
    seen = {case.debtor_id}
    for link in links:
        if link.person_id not in seen:  # one person holding two roles is bound once
            seen.add(link.person_id)
            subjects.append(RestrictionSubject(order=order, party_id=link.person_id, role=link.role))
    RestrictionSubject.objects.bulk_create(subjects)
    return sorted(seen)


def _categories(categories) -> frozenset:
    chosen = frozenset(RestrictionCategory(c) for c in (categories or ()))
    if not chosen:
        raise InvalidInput(_("Choose at least one restricted category."), field="categories")
    return chosen


# --- restriction orders ------------------------------------------------------------------------------------------


def restriction_order_propose(
    *, actor, case_id: int, categories, facts: str = "", responsible_ids=None, expected_state=None
) -> RestrictionOrder:
    """A clerk proposes a restriction order for a defaulted debtor (and an organisation's responsible persons)."""
    chosen = _categories(categories)
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.CLERK)
        if case.state != CaseState.DEFAULTED:
            raise Conflict(
                _("A restriction order is proposed for a defaulted debtor; this case is %(state)s.")
                % {"state": case.get_state_display()}
            )
        if _active(RestrictionOrder, case).exists() or _active(ListingDecision, case).exists():
            raise Conflict(_("A restriction order or listing decision is already pending or in force for this case."))
        order = RestrictionOrder.objects.create(case=case, categories=chosen, facts=facts, proposed_by=actor)
        bound = _add_subjects(order, case, responsible_ids)
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_propose",
            reason=facts,
            detail={"order_id": order.pk, "categories": sorted(chosen), "bound_party_ids": bound},
        )
    return order


def restriction_order_approve(
    *, actor, order_id: int, order_number: str, served_on: datetime.date, expected_state=None
) -> RestrictionOrder:
    """An approver signs the order: it is in force and the case is `restricted`."""
    today = timezone.localdate()
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        _require_four_eyes(actor, order)
        if order.listing_id:
            raise Conflict(_("This order was proposed with a listing decision; it is signed with that decision."))
        if order.status != RestrictionOrder.Status.PROPOSED:
            raise Conflict(_("This order is %(s)s, not awaiting signature.") % {"s": order.get_status_display()})
        order.approve(
            approved_by=actor,
            decided_on=today,
            order_number=_document_number(order_number, "order_number"),
            served_on=_served_on(served_on, today),
        )
        order.save()
        case_transition(
            case=case,
            transition="restrict",
            actor=actor,
            detail={
                "order_id": order.pk,
                "order_number": order.order_number,
                "categories": sorted(order.categories),
            },
        )
    return order


def restriction_order_reject(*, actor, order_id: int, reason: str) -> RestrictionOrder:
    if not reason.strip():
        raise InvalidInput(_("Say why the order is refused."), field="reason")
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id)
        _require_role(actor, case, Role.APPROVER)
        if order.listing_id:
            raise Conflict(_("This order was proposed with a listing decision; refuse that decision instead."))
        if order.status != RestrictionOrder.Status.PROPOSED:
            raise Conflict(_("This order is %(s)s, not awaiting signature.") % {"s": order.get_status_display()})
        order.reject(approved_by=actor, reason=reason)
        order.save()
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_reject",
            reason=reason,
            detail={"order_id": order.pk},
        )
    return order


def restriction_order_lift(
    *, actor, order_id: int, reason: str, note: str = "", expected_state=None
) -> RestrictionOrder:
    """Lift a restriction order on security or the creditor's consent (payment lifts it by itself)."""
    if reason not in (LiftReason.SECURITY_GIVEN, LiftReason.CREDITOR_CONSENT):
        raise InvalidInput(_("An order is lifted here on security given or the creditor's consent."), field="reason")
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        if order.status != RestrictionOrder.Status.IN_FORCE:
            raise Conflict(_("This order is %(s)s, not in force.") % {"s": order.get_status_display()})
        if case.state == CaseState.LISTED:
            raise RuleViolation(_("A listed debtor must stay restricted: end or revoke the listing first."))
        order.lift(at=timezone.now(), reason=reason, note=note)
        order.save()
        case_transition(
            case=case,
            transition="lift",
            actor=actor,
            reason=f"{LiftReason(reason).label}. {note}".strip(),
            detail={"order_id": order.pk, "lift_reason": reason},
        )
    return order


# --- listing decisions -------------------------------------------------------------------------------------------


def listing_propose(
    *,
    actor,
    case_id: int,
    grounds,
    facts: str = "",
    extension_years: int = 0,
    extension_reason: str = "",
    grace_months: int = 0,
    categories=None,
    responsible_ids=None,
    expected_state=None,
) -> ListingDecision:
    """A clerk proposes listing the debtor. A debtor not yet restricted gets a restriction order proposed with it."""
    today = timezone.localdate()
    grounds = frozenset(Ground(g) for g in (grounds or ()))
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.CLERK)
        if _active(ListingDecision, case).exists():
            raise Conflict(_("A listing decision is already pending or in force for this case."))
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=grounds,
                extension_years=extension_years,
                extension_reason=extension_reason,
                grace_months=grace_months,
                on=today,
            )
        )
        companion_categories = None
        if case.state == CaseState.DEFAULTED:
            if _active(RestrictionOrder, case).exists():
                raise Conflict(_("Decide the pending restriction order before proposing a listing."))
            companion_categories = _categories(categories or RestrictionCategory.values)
        decision = ListingDecision.objects.create(
            case=case,
            grounds=grounds,
            facts=facts,
            extension_years=extension_years,
            extension_reason=extension_reason,
            grace_months=grace_months,
            period_years=listing_period_years(grounds, extension_years),
            proposed_by=actor,
        )
        detail = {
            "decision_id": decision.pk,
            "grounds": sorted(int(g) for g in grounds),
            "period_years": decision.period_years,
            "grace_months": grace_months,
        }
        if companion_categories is not None:
            order = RestrictionOrder.objects.create(
                case=case, categories=companion_categories, facts=facts, proposed_by=actor, listing=decision
            )
            detail["order_id"] = order.pk
            detail["bound_party_ids"] = _add_subjects(order, case, responsible_ids)
        audit_write(case=case, actor=actor, action="listing_propose", reason=facts, detail=detail)
    return decision


def listing_approve(
    *,
    actor,
    decision_id: int,
    decision_number: str,
    served_on: datetime.date,
    order_number: str = "",
    expected_state=None,
) -> ListingDecision:
    """An approver signs the listing (and the restriction order proposed with it); published at once without grace."""
    today = timezone.localdate()
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        _require_four_eyes(actor, decision)
        if decision.status != ListingDecision.Status.PROPOSED:
            raise Conflict(_("This decision is %(s)s, not awaiting signature.") % {"s": decision.get_status_display()})
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=decision.grounds,
                extension_years=decision.extension_years,
                extension_reason=decision.extension_reason,
                grace_months=decision.grace_months,
                on=today,
            )
        )
        served_on = _served_on(served_on, today)
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if case.state == CaseState.DEFAULTED and companion is None:
            raise RuleViolation(_("Every listed debtor must be bound by a restriction order; none goes with this one."))
        decision.approve(
            approved_by=actor,
            decided_on=today,
            decision_number=_document_number(decision_number, "decision_number"),
            served_on=served_on,
        )
        decision.publish_on = today + relativedelta(months=decision.grace_months)
        decision.save()
        detail = {"decision_id": decision.pk, "decision_number": decision.decision_number}
        if companion is not None:
            companion.approve(
                approved_by=actor,
                decided_on=today,
                order_number=_document_number(order_number, "order_number"),
                served_on=served_on,
            )
            companion.save()
            detail |= {"order_id": companion.pk, "order_number": companion.order_number}
        case_transition(case=case, transition="list_debtor", actor=actor, detail=detail)
        if decision.grace_months == 0:
            _publish(case, decision, actor)
    return decision


def listing_reject(*, actor, decision_id: int, reason: str) -> ListingDecision:
    if not reason.strip():
        raise InvalidInput(_("Say why the listing is refused."), field="reason")
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        _require_role(actor, case, Role.APPROVER)
        if decision.status != ListingDecision.Status.PROPOSED:
            raise Conflict(_("This decision is %(s)s, not awaiting signature.") % {"s": decision.get_status_display()})
        decision.reject(approved_by=actor, reason=reason)
        decision.save()
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if companion is not None:
            companion.reject(approved_by=actor, reason=reason)
            companion.save()
        audit_write(
            case=case,
            actor=actor,
            action="listing_reject",
            reason=reason,
            detail={"decision_id": decision.pk},
        )
    return decision


def _publish(case: EnforcementCase, decision: ListingDecision, actor) -> None:
    now = timezone.now()
    decision.published_at = now
    if decision.period_years:
        decision.expires_on = timezone.localdate(now) + relativedelta(years=decision.period_years, days=-1)
    decision.save(update_fields=["published_at", "expires_on"])
    audit_write(
        case=case,
        actor=actor,
        action="listing_publish",
        detail={
            "decision_id": decision.pk,
            "expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
        },
    )


def listing_publish_due(*, decision_id: int) -> bool:
    """The system publishes a listing whose grace period is over. Idempotent; returns whether it published."""
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        due = (
            decision.status == ListingDecision.Status.IN_FORCE
            and decision.published_at is None
            and decision.publish_on is not None
            and decision.publish_on <= timezone.localdate()
            and case.state == CaseState.LISTED
        )
        if due:
            _publish(case, decision, None)
        return due


def listing_expire(*, actor, decision_id: int) -> ListingDecision:
    """The listing period is over: off the list, back to `restricted` (the restriction order stays)."""
    today = timezone.localdate()
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        if decision.status != ListingDecision.Status.IN_FORCE:
            raise Conflict(_("This listing is %(s)s, not in force.") % {"s": decision.get_status_display()})
        if decision.expires_on is None or decision.expires_on >= today:
            raise RuleViolation(
                _("This listing runs until performance.")
                if decision.period_years is None
                else _("This listing runs until %(d)s.") % {"d": decision.expires_on or _("its period has run")}
            )
        _require_role(actor, case, Role.CLERK)
        decision.expire(at=timezone.now())
        decision.save()
        case_transition(case=case, transition="expire", actor=actor, detail={"decision_id": decision.pk})
    return decision


def listing_revoke(*, actor, decision_id: int, reason: str, expected_state=None) -> ListingDecision:
    """The debtor was listed in error: off the list at once; a restriction order issued with it is lifted too."""
    if not reason.strip():
        raise InvalidInput(_("Say what the error was."), field="reason")
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        if decision.status != ListingDecision.Status.IN_FORCE:
            raise Conflict(_("This listing is %(s)s, not in force.") % {"s": decision.get_status_display()})
        now = timezone.now()
        decision.revoke(at=now, reason=reason)
        decision.save()
        companion = (
            RestrictionOrder.objects.select_for_update()
            .filter(listing=decision, status=RestrictionOrder.Status.IN_FORCE)
            .first()
        )
        if companion is not None:
            companion.lift(at=now, reason=LiftReason.LISTED_IN_ERROR, note=reason)
            companion.save()
        case_transition(
            case=case,
            transition="revoke",
            actor=actor,
            reason=reason,
            detail={"decision_id": decision.pk, "lifted_order_id": companion.pk if companion else None},
            keep_restriction=companion is None,
        )
    return decision


# --- when the case ends ------------------------------------------------------------------------------------------

END_CAUSES = {
    "pay_in_full": LiftReason.PAID_IN_FULL,
    "settle": LiftReason.SETTLEMENT_PERFORMED,
    "remove": LiftReason.CASE_CLOSED,
}


def sanctions_end(*, case: EnforcementCase, actor, cause: str, reason: str) -> None:
    """The case is paid or closed: pending proposals lapse, the listing is removed, every order is lifted.

    Called inside the transaction that moved the case (see `listings.receivers`); the case is already locked.
    """
    now = timezone.now()
    lift_reason = END_CAUSES.get(cause, LiftReason.CASE_CLOSED)
    for decision in _active(ListingDecision, case):
        if decision.status == ListingDecision.Status.PROPOSED:
            decision.lapse()
            decision.save()
            continue
        decision.remove(at=now, reason=reason)
        decision.save()
        audit_write(
            case=case,
            actor=actor,
            action="listing_remove",
            reason=reason,
            detail={"decision_id": decision.pk},
        )
    for order in _active(RestrictionOrder, case):
        if order.status == RestrictionOrder.Status.PROPOSED:
            order.lapse()
            order.save()
            continue
        order.lift(at=now, reason=lift_reason, note=reason)
        order.save()
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_lift",
            reason=reason,
            detail={"order_id": order.pk, "lift_reason": lift_reason},
        )
