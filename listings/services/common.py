"""The rules a listing must pass, and the locking and checks every listings service shares."""

import datetime

from django.utils.translation import gettext as _

from enforcement import identity, permissions, rules
from enforcement.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from enforcement.models import CaseState, EnforcementCase, ResponsiblePerson
from enforcement.permissions import Role
from enforcement.rules import Ground, RestrictionCategory
from enforcement.selectors import creditor_removal_bar_until
from enforcement.services import case_lock
from listings.models import RestrictionOrder, RestrictionSubject

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
