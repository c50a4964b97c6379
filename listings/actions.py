"""The listings app's actions and panels on the clerk's case page (registered into `enforcement.case_page`)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement import permissions
from enforcement.actions import DateInput, today
from enforcement.case_page import ActionForm, CaseAction, registry
from enforcement.models import CaseState, ResponsiblePerson
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason, RestrictionCategory
from enforcement.services import refusal
from listings import services
from listings.models import ListingDecision, RestrictionOrder


def sanctions(case) -> dict:
    """The case's active listing decision and restriction order (proposed or in force), read once per page."""
    cached = getattr(case, "_sanctions", None)
    if cached is None:
        cached = {
            "listing": ListingDecision.objects.filter(case=case, status__in=["proposed", "in_force"]).first(),
            "order": RestrictionOrder.objects.filter(case=case, status__in=["proposed", "in_force"]).first(),
        }
        case._sanctions = cached
    return cached


def has_role(user, case, role) -> bool:
    return permissions.has_role(user, case.court_id, role)


def choice_labels(members, choices) -> str:
    return ", ".join(str(choices(m).label) for m in sorted(members, key=lambda m: list(choices).index(m)))


def _pending_standalone_order(case):
    order = sanctions(case)["order"]
    return order if order and order.status == "proposed" and order.listing_id is None else None


def _listing(case, status):
    listing = sanctions(case)["listing"]
    return listing if listing and listing.status == status else None


# --- forms -------------------------------------------------------------------------------------------------------


class BoundPersonsMixin:
    """Categories; the order binds the debtor and, for an organisation, every responsible person (shown)."""

    def add_order_fields(self):
        names = ", ".join(
            f"{link.person.name} ({link.get_role_display()})"
            for link in ResponsiblePerson.objects.filter(organisation=self.case.debtor).select_related("person")
        )
        self.fields["categories"] = forms.TypedMultipleChoiceField(
            label=_("Restricted categories"),
            choices=RestrictionCategory.choices,
            coerce=RestrictionCategory,
            widget=forms.CheckboxSelectMultiple,
            initial=RestrictionCategory.values,
            help_text=(
                _("The order also binds every responsible person of the organisation: %(names)s.") % {"names": names}
                if names
                else ""
            ),
        )


class DecisionDatesMixin:
    def add_date_fields(self):
        self.fields["decided_on"] = forms.DateField(
            label=_("Decided on"),
            widget=DateInput,
            initial=today,
            required=False,
            help_text=_("The date on the signed document (today if left empty)."),
        )
        self.fields["served_on"] = forms.DateField(
            label=_("Served on"), widget=DateInput, initial=today, help_text=_("On or after the decision.")
        )


class RestrictionProposeForm(BoundPersonsMixin, ActionForm):
    facts = forms.CharField(label=_("Statement of facts"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_order_fields()

    def perform(self) -> str:
        services.restriction_order_propose(
            actor=self.user,
            case_id=self.case.pk,
            categories=self.cleaned_data["categories"],
            facts=self.cleaned_data["facts"],
            expected_state=self.expected,
        )
        return _("Restriction order proposed; another approver of the court must sign it.")


def _order_summary(order) -> list[tuple[str, str]]:
    bound = ", ".join(f"{s.party.name} ({s.get_role_display()})" for s in order.bound.select_related("party"))
    return [
        (_("Categories"), choice_labels(order.categories, RestrictionCategory)),
        (_("Binds"), bound),
        (_("Proposed by"), f"{order.proposed_by} ({order.proposed_at:%Y-%m-%d})"),
        (_("Facts"), order.facts),
    ]


class RestrictionApproveForm(DecisionDatesMixin, ActionForm):
    order_number = forms.CharField(label=_("Order number"), max_length=60, help_text=_("e.g. （2026）京0101执限12号"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_date_fields()

    def summary(self):
        order = _pending_standalone_order(self.case)
        return _order_summary(order) if order else []

    def perform(self) -> str:
        order = _pending_standalone_order(self.case)
        if order is None:
            return _("There is no restriction order awaiting signature any more.")
        services.restriction_order_approve(
            actor=self.user,
            order_id=order.pk,
            order_number=self.cleaned_data["order_number"],
            decided_on=self.cleaned_data["decided_on"],
            served_on=self.cleaned_data["served_on"],
            expected_state=self.expected,
        )
        return _("Restriction order signed; the debtor is restricted.")


class RejectForm(ActionForm):
    reason = forms.CharField(label=_("Reason for refusal"), widget=forms.Textarea(attrs={"rows": 3}))


class RestrictionRejectForm(RejectForm):
    def summary(self):
        order = _pending_standalone_order(self.case)
        return _order_summary(order) if order else []

    def perform(self) -> str:
        order = _pending_standalone_order(self.case)
        services.restriction_order_reject(actor=self.user, order_id=order.pk, reason=self.cleaned_data["reason"])
        return _("Restriction order refused.")


class RestrictionLiftForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("Lifted because"),
        choices=[(r.value, r.label) for r in (LiftReason.SECURITY_GIVEN, LiftReason.CREDITOR_CONSENT)],
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def perform(self) -> str:
        services.restriction_order_lift(
            actor=self.user,
            order_id=sanctions(self.case)["order"].pk,
            reason=self.cleaned_data["reason"],
            note=self.cleaned_data["note"],
            expected_state=self.expected,
        )
        return _("Restriction order lifted.")


class ListingProposeForm(BoundPersonsMixin, ActionForm):
    grounds = forms.TypedMultipleChoiceField(
        label=_("Grounds"), choices=Ground.choices, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    facts = forms.CharField(label=_("Statement of facts"), widget=forms.Textarea(attrs={"rows": 3}))
    extension_years = forms.TypedChoiceField(
        label=_("Extension (years)"),
        choices=[(n, n) for n in range(4)],
        coerce=int,
        initial=0,
        help_text=_("Only with grounds (2)-(6): 1 to 3 more years for serious violence or repeated acts."),
    )
    extension_reason = forms.CharField(
        label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    grace_months = forms.TypedChoiceField(
        label=_("Grace period (months)"),
        choices=[(n, n) for n in range(4)],
        coerce=int,
        initial=0,
        help_text=_("Publication waits this long after the decision; if the debtor pays meanwhile, never published."),
    )
    on_creditor_application = forms.BooleanField(
        label=_("On the creditor's application"),
        required=False,
        initial=True,
        help_text=_("Untick when the court lists the debtor on its own motion."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case.state == CaseState.DEFAULTED:
            # The debtor is not restricted yet: the restriction order every listed debtor needs goes with it.
            self.add_order_fields()

    def refusals(self) -> list[str]:
        found = services.listing_refusals(case=self.case, grounds=[Ground.OBSTRUCTS], on=timezone.localdate())
        return [message for field, message in found if field is None]

    def perform(self) -> str:
        data = self.cleaned_data
        services.listing_propose(
            actor=self.user,
            case_id=self.case.pk,
            grounds=data["grounds"],
            facts=data["facts"],
            extension_years=data["extension_years"],
            extension_reason=data["extension_reason"],
            grace_months=data["grace_months"],
            categories=data.get("categories"),
            on_creditor_application=data["on_creditor_application"],
            expected_state=self.expected,
        )
        return _("Listing proposed; another approver of the court must sign it.")


def _listing_summary(decision) -> list[tuple[str, str]]:
    period = (
        _("until performance") if decision.period_years is None else _("%(n)d years") % {"n": decision.period_years}
    )
    rows = [
        (_("Grounds"), choice_labels(decision.grounds, Ground)),
        (_("Period"), period),
        (_("Grace period (months)"), str(decision.grace_months)),
        (_("Proposed by"), f"{decision.proposed_by} ({decision.proposed_at:%Y-%m-%d})"),
        (_("Facts"), decision.facts),
    ]
    if decision.extension_years:
        rows.insert(2, (_("Extension"), f"{decision.extension_years}: {decision.extension_reason}"))
    companion = RestrictionOrder.objects.filter(listing=decision).first()
    if companion is not None:
        rows += [(_("With restriction order on"), choice_labels(companion.categories, RestrictionCategory))]
    return rows


class ListingApproveForm(DecisionDatesMixin, ActionForm):
    decision_number = forms.CharField(
        label=_("Decision number"), max_length=60, help_text=_("e.g. （2026）京0101执失12号")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_date_fields()
        self.decision = _listing(self.case, "proposed")
        if self.decision and RestrictionOrder.objects.filter(listing=self.decision).exists():
            self.fields["order_number"] = forms.CharField(
                label=_("Restriction order number"), max_length=60, help_text=_("Signed with this decision.")
            )

    def summary(self):
        return _listing_summary(self.decision) if self.decision else []

    def refusals(self) -> list[str]:
        if not self.decision:
            return []
        found = services.listing_refusals(
            case=self.case,
            grounds=self.decision.grounds,
            extension_years=self.decision.extension_years,
            extension_reason=self.decision.extension_reason,
            grace_months=self.decision.grace_months,
            on_creditor_application=self.decision.on_creditor_application,
            on=timezone.localdate(),
        )
        return [message for _field, message in found]

    def perform(self) -> str:
        decision = services.listing_approve(
            actor=self.user,
            decision_id=self.decision.pk,
            decision_number=self.cleaned_data["decision_number"],
            order_number=self.cleaned_data.get("order_number", ""),
            decided_on=self.cleaned_data["decided_on"],
            served_on=self.cleaned_data["served_on"],
            expected_state=self.expected,
        )
        if decision.published_at:
            return _("Listing signed and published.")
        return _("Listing signed; it will be published on %(d)s unless paid first.") % {"d": decision.publish_on}


class ListingRejectForm(RejectForm):
    def summary(self):
        decision = _listing(self.case, "proposed")
        return _listing_summary(decision) if decision else []

    def perform(self) -> str:
        services.listing_reject(
            actor=self.user, decision_id=_listing(self.case, "proposed").pk, reason=self.cleaned_data["reason"]
        )
        return _("Listing refused.")


class ListingRevokeForm(ActionForm):
    reason = forms.CharField(label=_("What the error was"), widget=forms.Textarea(attrs={"rows": 3}))

    def perform(self) -> str:
        services.listing_revoke(
            actor=self.user,
            decision_id=_listing(self.case, "in_force").pk,
            reason=self.cleaned_data["reason"],
            expected_state=self.expected,
        )
        return _("Listing revoked; the entry is off the public list.")


class ListingExpireForm(ActionForm):
    def perform(self) -> str:
        services.listing_expire(actor=self.user, decision_id=_listing(self.case, "in_force").pk)
        return _("Listing ended at the end of its period; the restriction order stays.")


class ListingPublishForm(ActionForm):
    def perform(self) -> str:
        published = services.listing_publish_due(decision_id=_listing(self.case, "in_force").pk)
        return _("Listing published.") if published else _("Nothing to publish.")


# --- availability ------------------------------------------------------------------------------------------------


# Each button asks the refusal its service raises: one answer to "may I do this now".


def _why(record, transition: str, user):
    return None if record is None else refusal(record, transition, user)


def _may(record, transition: str, user) -> bool:
    return record is not None and _why(record, transition, user) is None


def can_sign_restriction(user, case) -> bool:
    return _may(_pending_standalone_order(case), "approve", user)


def can_refuse_restriction(user, case) -> bool:
    return _may(_pending_standalone_order(case), "reject", user)


def can_lift(user, case) -> bool:
    order = sanctions(case)["order"]
    return _may(order, "lift", user) and _may(case, "lift", user)


def can_sign_listing(user, case) -> bool:
    return _may(_listing(case, "proposed"), "approve", user)


def can_refuse_listing(user, case) -> bool:
    return _may(_listing(case, "proposed"), "reject", user)


def can_revoke(user, case) -> bool:
    return _may(_listing(case, "in_force"), "revoke", user)


def can_expire(user, case) -> bool:
    return _may(_listing(case, "in_force"), "expire", user)


def can_publish(user, case) -> bool:
    decision = _listing(case, "in_force")
    return bool(
        decision
        and has_role(user, case, Role.CLERK)
        and ListingDecision.objects.filter(pk=decision.pk).due_for_publication(timezone.localdate()).exists()
    )


A = CaseAction
registry.action(
    A(
        "restriction_propose",
        _("Propose a restriction order"),
        RestrictionProposeForm,
        order=40,
        refusal=lambda user, case: services.restriction_propose_refusal(case, user),
    )
)
registry.action(
    A("restriction_sign", _("Sign the restriction order"), RestrictionApproveForm, can_sign_restriction, order=41)
)
registry.action(
    A(
        "restriction_refuse",
        _("Refuse the restriction order"),
        RestrictionRejectForm,
        can_refuse_restriction,
        order=42,
        style="danger",
    )
)
registry.action(A("restriction_lift", _("Lift the restriction order"), RestrictionLiftForm, can_lift, order=60))
registry.action(
    A(
        "listing_propose",
        _("Propose listing"),
        ListingProposeForm,
        order=50,
        refusal=lambda user, case: services.listing_propose_refusal(case, user),
    )
)
registry.action(
    A(
        "listing_sign",
        _("Sign the listing decision"),
        ListingApproveForm,
        can_sign_listing,
        order=51,
        # Only when a proposal waits: then the refusal says why this user may not sign it (e.g. their own).
        refusal=lambda user, case: _why(_listing(case, "proposed"), "approve", user),
    )
)
registry.action(
    A("listing_refuse", _("Refuse the listing"), ListingRejectForm, can_refuse_listing, order=52, style="danger")
)
registry.action(A("listing_publish", _("Publish (grace period over)"), ListingPublishForm, can_publish, order=53))
registry.action(A("listing_expire", _("End the listing (period over)"), ListingExpireForm, can_expire, order=54))
registry.action(
    A(
        "listing_revoke",
        _("Revoke the listing (listed in error)"),
        ListingRevokeForm,
        can_revoke,
        order=70,
        style="danger",
    )
)
