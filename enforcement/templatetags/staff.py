"""Formatting for the staff pages, in the clerk's language: audit actions and states by name, not code, and
money written one way everywhere (the public pages' `money` filter)."""

from django import template
from django.utils.translation import pgettext_lazy

from enforcement.models import CaseState
from enforcement.money import format_money

register = template.Library()

# An audit row's action is a code written by the service that made the change; this names each for a person.
ACTION_LABELS = {
    "open": pgettext_lazy("audit action", "Case opened"),
    "update": pgettext_lazy("audit action", "Case data corrected"),
    "notice_record": pgettext_lazy("audit action", "Enforcement notice recorded"),
    "payment_record": pgettext_lazy("audit action", "Payment recorded"),
    "declare_default": pgettext_lazy("audit action", "Declared in default"),
    "restrict": pgettext_lazy("audit action", "Restricted"),
    "list_debtor": pgettext_lazy("audit action", "Listed"),
    "expire": pgettext_lazy("audit action", "Listing period over"),
    "revoke": pgettext_lazy("audit action", "Listing revoked"),
    "lift": pgettext_lazy("audit action", "Restriction lifted"),
    "pay_in_full": pgettext_lazy("audit action", "Paid in full"),
    "settle": pgettext_lazy("audit action", "Settlement performed"),
    "remove": pgettext_lazy("audit action", "Case closed"),
    "restriction_order_propose": pgettext_lazy("audit action", "Restriction order proposed"),
    "restriction_order_reject": pgettext_lazy("audit action", "Restriction order refused"),
    "restriction_order_lift": pgettext_lazy("audit action", "Restriction order lifted"),
    "listing_propose": pgettext_lazy("audit action", "Listing proposed"),
    "listing_reject": pgettext_lazy("audit action", "Listing refused"),
    "listing_publish": pgettext_lazy("audit action", "Published on the list"),
    "listing_remove": pgettext_lazy("audit action", "Removed from the list"),
    "temporary_lift_grant": pgettext_lazy("audit action", "Temporary lift granted"),
    "bind_responsible_person": pgettext_lazy("audit action", "Responsible person bound by the order"),
    "party_correct": pgettext_lazy("audit action", "Party data corrected"),
    "certificate_issue": pgettext_lazy("audit action", "Clearance certificate issued"),
    "certificate_resign": pgettext_lazy("audit action", "Clearance certificate signed again"),
    "request_file": pgettext_lazy("audit action", "Request filed by the debtor"),
    "request_evidence_add": pgettext_lazy("audit action", "Evidence added to a request"),
    "request_start_review": pgettext_lazy("audit action", "Request taken up"),
    "request_grant": pgettext_lazy("audit action", "Request granted"),
    "request_reject": pgettext_lazy("audit action", "Request rejected"),
    "request_withdraw": pgettext_lazy("audit action", "Request withdrawn"),
    "request_request_reconsideration": pgettext_lazy("audit action", "Reconsideration asked"),
    "request_uphold": pgettext_lazy("audit action", "Rejection upheld"),
    "request_overturn": pgettext_lazy("audit action", "Rejection overturned"),
    "request_carry_out": pgettext_lazy("audit action", "Request carried out"),
}


# Case states; apps above enforcement add the states of what they audit on a case (appeals: its requests').
STATE_LABELS = dict(CaseState.choices)


@register.filter
def audit_action(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


@register.filter
def state_label(code: str) -> str:
    """A case state by its name; a request's state (audited on the case too) by the request's names."""
    if not code:
        return ""
    label = STATE_LABELS.get(code)
    return str(label) if label is not None else code


@register.filter
def money(value, currency: str) -> str:
    return format_money(value, currency)
