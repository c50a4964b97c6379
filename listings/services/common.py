"""The rules a listing must pass, and the locking and checks every listings service shares."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import identity, permissions, rules
from enforcement.casenumbers import normalise_case_number, parse_case_number
from enforcement.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from enforcement.models import CaseState, EnforcementCase, ResponsiblePerson
from enforcement.permissions import Role
from enforcement.rules import Ground, RestrictionCategory
from enforcement.services import case_lock
from listings.models import RestrictionOrder, RestrictionSubject
from listings.selectors import creditor_bar_until

LISTABLE_STATES = (CaseState.DEFAULTED, CaseState.RESTRICTED)


# --- checks ------------------------------------------------------------------------------------------------------


def _role_refusal(actor, case: EnforcementCase, role: str) -> Forbidden | None:
    if actor is not None and not permissions.has_role(actor, case.court_id, role):
        return Forbidden(
            _("Only a %(role)s of %(court)s may do this.") % {"role": Role(role).label.lower(), "court": case.court}
        )
    return None


def _require_role(actor, case: EnforcementCase, role: str) -> None:
    error = _role_refusal(actor, case, role)
    if error is not None:
        raise error


#: The qualifier a court's document number carries for each kind of decision: （2026）京0101执限12号 (restriction
#: order), （2026）京0101执失12号 (listing decision).
DOCUMENT_KINDS = {"order_number": "限", "decision_number": "失"}


def document_number(value: str, *, case: EnforcementCase, field: str, exclude_pk: int | None = None) -> str:
    """The signed document's number, in the court's format and unique per court and kind of decision."""
    from listings.models import ListingDecision

    value = normalise_case_number(value or "")
    kind = DOCUMENT_KINDS[field]
    example = f"（{timezone.localdate().year}）{case.court.code}执{kind}123号"
    if not value:
        raise InvalidInput(_("Record the number of the signed document, e.g. %(e)s.") % {"e": example}, field=field)
    try:
        number = parse_case_number(value)
    except ValidationError:
        number = None
    if number is None or number.kind != kind or number.court_code != case.court.code:
        raise InvalidInput(
            _("A document number of %(court)s is written like %(e)s (the court's code %(code)s, then 执%(kind)s).")
            % {"court": case.court, "e": example, "code": case.court.code, "kind": kind},
            field=field,
        )
    model = RestrictionOrder if field == "order_number" else ListingDecision
    if model.objects.filter(**{field: value}).exclude(pk=exclude_pk).exists():
        raise InvalidInput(
            _("%(court)s has already used the number %(n)s for another %(what)s.")
            % {"court": case.court, "n": value, "what": model._meta.verbose_name},
            field=field,
        )
    return value


def service_dates(
    *, case: EnforcementCase, decided_on: datetime.date | None, served_on: datetime.date | None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The decision's date and its service on the debtor: the case was filed, then the decision signed, then
    served, and none of it in the future. Returns (decided_on, served_on); the decision is dated today unless
    the signed document says otherwise."""
    decided_on = decided_on or today
    if served_on is None:
        raise InvalidInput(_("Record the day the document was served on the debtor."), field="served_on")
    if decided_on > today:
        raise InvalidInput(_("A decision cannot be dated in the future."), field="decided_on")
    if decided_on < case.filed_on:
        raise InvalidInput(
            _("A decision cannot be dated before the case was filed (%(d)s).") % {"d": case.filed_on.isoformat()},
            field="decided_on",
        )
    if served_on > today:
        raise InvalidInput(_("A document cannot have been served in the future."), field="served_on")
    if served_on < decided_on:
        raise InvalidInput(
            _("A document is served on or after the day it was decided (%(d)s).") % {"d": decided_on.isoformat()},
            field="served_on",
        )
    return decided_on, served_on


def search_keys(case: EnforcementCase) -> dict:
    """The search keys a listing decision copies from its case (see `ListingDecision.debtor_name`)."""
    return {
        "debtor_name": case.debtor.name,
        "debtor_id_number": case.debtor.id_number,
        "debtor_kind": case.debtor.kind,
        "case_number": case.case_number,
        "court_id": case.court_id,
        "province": case.court.province,
    }


def listing_period_years(grounds, extension_years: int) -> int | None:
    """Ground (1) alone lasts until performance; any of grounds (2)-(6) sets the base period plus the extension."""
    if set(grounds) <= {Ground.ABLE_BUT_REFUSES}:
        return None
    return rules.get("listing_base_period_years") + extension_years


def ground_one_exclusions(case: EnforcementCase) -> list[str]:
    """Why ground (1) (able to perform but refuses) cannot hold against this debtor now: full security given,
    seized assets covering the balance, liability only after another debtor. Empty: it can. Asked when a
    listing is decided and whenever the case's data changes while a listing on it is in force."""
    reasons = []
    if case.security_given:
        reasons.append(_("Ground (1) cannot be used: the debtor has given full security."))
    if case.seized_assets_value > 0 and case.seized_assets_value >= case.balance:
        reasons.append(
            _("Ground (1) cannot be used: the seized assets (%(seized)s) cover the balance (%(balance)s).")
            % {"seized": case.seized_assets_value, "balance": case.balance}
        )
    if case.subsidiary_liability:
        reasons.append(_("Ground (1) cannot be used: the debtor is liable only after another debtor."))
    return reasons


def listing_refusals(
    *,
    case: EnforcementCase,
    grounds,
    extension_years: int = 0,
    extension_reason: str = "",
    grace_months: int = 0,
    on_creditor_application: bool = True,
    on: datetime.date,
) -> list[tuple[str | None, str]]:
    """Every rule that refuses listing this debtor now, as (form field, message). Empty: the listing may go ahead."""
    refusals: list[tuple[str | None, str]] = []
    grounds = {Ground(g) for g in grounds}
    debtor = case.debtor
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
        refusals += [("grounds", message) for message in ground_one_exclusions(case)]
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
    barred_until = on_creditor_application and creditor_bar_until(
        creditor_id=case.creditor_id, debtor_id=case.debtor_id, on=on
    )
    if barred_until:
        refusals.append(
            (
                None,
                _(
                    "This creditor asked for this debtor's removal from the list; a new listing on their application "
                    "is barred until %(d)s. The court may still list the debtor on its own motion."
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
    """The case's decisions of `model` pending or in force. Read without a lock: every writer locks the case
    first, so under that lock these rows cannot change; a button asks it outside any transaction."""
    return model.objects.filter(case=case, status__in=[model.Status.PROPOSED, model.Status.IN_FORCE])


def _get_locked(model, pk: int, *, expected_case_state=None):
    """Lock the case of a decision, then the decision itself: the order every writer follows."""
    case_id = model.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(_("There is no %(what)s %(id)s.") % {"what": model._meta.verbose_name, "id": pk})
    case = case_lock(case_id, expected_state=expected_case_state)
    record = model.objects.select_for_update().get(pk=pk)
    record.case = case
    return case, record


def bind_subjects(order: RestrictionOrder, case: EnforcementCase) -> list[int]:
    """An order binds the debtor and, for an organisation, every one of its responsible persons (those named
    later are bound when named: `restriction_orders_bind_person`). Returns the bound parties' ids."""
    subjects = [RestrictionSubject(order=order, party=case.debtor, role=RestrictionSubject.DEBTOR)]
    seen = {case.debtor_id}
    for link in ResponsiblePerson.objects.filter(organisation=case.debtor).order_by("pk"):
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
