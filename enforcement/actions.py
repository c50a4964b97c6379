"""The enforcement app's actions on the clerk's case page: each a form that calls one service."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement import permissions, rules, services
from enforcement.case_page import ActionForm, CaseAction, CasePanel, registry
from enforcement.models import OPEN_STATES, CaseState, Payment
from enforcement.money import format_money
from enforcement.permissions import Role
from enforcement.selectors import case_audit_trail

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def today():
    return timezone.localdate()


def is_clerk(user, case) -> bool:
    return permissions.has_role(user, case.court_id, Role.CLERK)


def may(transition: str):
    """Available when the transition is allowed from this state, for this user, with its conditions met."""

    def available(user, case) -> bool:
        return services.transition_refusal(case, transition, user) is None

    available.transition = transition  # the case page's header asks the same refusal why it is missing
    return available


class NoticeForm(ActionForm):
    served_on = forms.DateField(label=_("Served on"), widget=DateInput, initial=today)
    payment_days = forms.IntegerField(
        label=_("Payment period (days)"),
        min_value=1,
        max_value=365,
        initial=10,
        help_text=_(
            "The debtor is in default from the day after the period ends (a last day that is a rest day "
            "moves to the next working day)."
        ),
    )
    warns_listing = forms.BooleanField(
        label=_("The notice warns that non-payment may lead to listing"),
        required=False,
        initial=True,
        help_text=_("Without this warning the debtor can never be listed on this case."),
    )

    def perform(self) -> str:
        case = services.notice_record(
            actor=self.user,
            case_id=self.case.pk,
            served_on=self.cleaned_data["served_on"],
            payment_days=self.cleaned_data["payment_days"],
            warns_listing=self.cleaned_data["warns_listing"],
            expected_state=self.expected,
        )
        return _("Enforcement notice recorded; payment is due by %(d)s.") % {"d": case.payment_due_on}


class PaymentForm(ActionForm):
    amount = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput, initial=today)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    # Generated when the form is shown: submitting the same form twice records one payment.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    checks_state = False  # a resubmission after the case closed must still answer "already recorded"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("idempotency_key", f"admin-{uuid.uuid4()}")
        self.fields["amount"].help_text = _("In %(c)s. Balance: %(b)s.") % {
            "c": self.case.currency,
            "b": self.case.balance,
        }

    def perform(self) -> str:
        payment, created = services.payment_record(
            actor=self.user,
            case_id=self.case.pk,
            amount=self.cleaned_data["amount"],
            currency=self.case.currency,
            paid_on=self.cleaned_data["paid_on"],
            method=self.cleaned_data["method"],
            reference=self.cleaned_data["reference"],
            idempotency_key=self.cleaned_data["idempotency_key"],
        )
        if not created:
            return _("This payment was already recorded; nothing was added.")
        amount = format_money(payment.amount, payment.currency)
        # Say what followed: payment in full removes the entry and lifts the restrictions in the same
        # transaction, and the case is closed at once (by the worker, so it may still read 'paid' here).
        state = type(self.case).objects.values_list("state", flat=True).get(pk=self.case.pk)
        if state == CaseState.CLOSED:
            return _(
                "Payment of %(a)s recorded: paid in full. The case is closed, its entry is off the public list and "
                "every restriction is lifted."
            ) % {"a": amount}
        if state == CaseState.PAID:
            return _(
                "Payment of %(a)s recorded: paid in full. Its entry is off the public list and every restriction "
                "is lifted; the case is being closed."
            ) % {"a": amount}
        return _("Payment of %(a)s recorded.") % {"a": amount}


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DeclareDefaultForm(ReasonForm):
    def perform(self) -> str:
        services.case_declare_default(
            actor=self.user, case_id=self.case.pk, reason=self.cleaned_data["reason"], expected_state=self.expected
        )
        return _("The debtor is in default.")


class SettleForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].label = _("The settlement and how it was performed")

    def perform(self) -> str:
        services.case_settle(
            actor=self.user, case_id=self.case.pk, reason=self.cleaned_data["reason"], expected_state=self.expected
        )
        return _("Settlement recorded as performed; the case is closing.")


class CloseForm(ActionForm):
    reason = forms.ChoiceField(label=_("Closing reason"))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        required=False,
        help_text=_("Leave empty for the provisions on publishing the list."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        paid = self.case.state == CaseState.PAID
        self.fields["reason"].choices = [
            (value, label) for value, label in rules.ClosingReason.choices if (value in rules.PAYMENT_REASONS) == paid
        ]

    def perform(self) -> str:
        services.case_close(
            actor=self.user,
            case_id=self.case.pk,
            reason=self.cleaned_data["reason"],
            note=self.cleaned_data["note"],
            legal_basis=self.cleaned_data["legal_basis"] or None,
            expected_state=self.expected,
        )
        return _("Case closed: off the list, every restriction lifted.")


class CorrectForm(ActionForm):
    basis_issuer = forms.CharField(label=_("Basis document issued by"), max_length=200)
    basis_number = forms.CharField(label=_("Basis document number"), max_length=60)
    basis_date = forms.DateField(label=_("Basis document date"), widget=DateInput)
    obligation = forms.CharField(label=_("Obligation"), widget=forms.Textarea(attrs={"rows": 3}))
    amount_due = forms.DecimalField(label=_("Amount due"), max_digits=16, decimal_places=2, min_value=0.01)
    security_given = forms.BooleanField(label=_("Full security given"), required=False)
    seized_assets_value = forms.DecimalField(
        label=_("Value of seized assets"), max_digits=16, decimal_places=2, min_value=0
    )
    subsidiary_liability = forms.BooleanField(label=_("Liable only after another debtor"), required=False)
    internal_notes = forms.CharField(
        label=_("Internal notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reason = forms.CharField(label=_("Why the data is corrected"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in services.CASE_EDITABLE_FIELDS:
            self.initial.setdefault(name, getattr(self.case, name))

    def perform(self) -> str:
        changes = {name: self.cleaned_data[name] for name in services.CASE_EDITABLE_FIELDS}
        services.case_update(actor=self.user, case_id=self.case.pk, reason=self.cleaned_data["reason"], **changes)
        return _("Case data corrected.")


def _payments_panel(case, user) -> dict:
    return {"payments": case.payments.select_related("recorded_by").order_by("paid_on", "id")}


def _audit_panel(case, user) -> dict:
    return {"entries": case_audit_trail(case, newest_first=True)}


registry.action(
    CaseAction(
        "notice",
        _("Record the enforcement notice"),
        NoticeForm,
        order=10,
        refusal=lambda user, case: services.notice_refusal(case, user),
    )
)
registry.action(
    CaseAction(
        "payment",
        _("Record a payment"),
        PaymentForm,
        order=20,
        refusal=lambda user, case: services.payment_refusal(case, user),
    )
)
registry.action(
    CaseAction("default", _("Declare default"), DeclareDefaultForm, available=may("declare_default"), order=30)
)
registry.action(
    CaseAction(
        "settle",
        _("Record settlement performed"),
        SettleForm,
        available=may("settle"),
        order=80,
        help=_("The creditor and the debtor settled and the settlement has been carried out."),
    )
)
registry.action(CaseAction("close", _("Close the case"), CloseForm, available=may("remove"), order=90, style="danger"))
registry.action(
    CaseAction(
        "correct",
        _("Correct the case data"),
        CorrectForm,
        order=95,
        available=lambda user, case: (
            case.state in OPEN_STATES and permissions.has_role(user, case.court_id, *services.CASE_CORRECTING_ROLES)
        ),
    )
)
registry.panel(CasePanel(_("Payments"), "admin/enforcement/panels/payments.html", _payments_panel, order=10))
registry.panel(CasePanel(_("Audit trail"), "admin/enforcement/panels/audit.html", _audit_panel, order=90))
