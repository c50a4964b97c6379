"""What the debtor is told at each step, by e-mail through the transactional outbox, in the language of the request.

Each message is written in the transaction of the change (so a rolled-back change tells nobody) with a key of
request and step (so a retried service writes it once); the outbox relay sends it after the commit, and a broker
that is down delays it, never loses it.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from enforcement.services import outbox_email


def tracking_url(request) -> str:
    with translation.override(request.language):
        path = reverse("appeals:track", args=[request.tracking_code])
    return settings.PUBLIC_SITE_URL.rstrip("/") + path


def _subject_and_intro(step: str, request) -> tuple[str, str]:
    case_number = request.case.case_number
    texts = {
        "filed": (
            _("Your request %(code)s has been received"),
            _("The court has received your request about case %(case)s. It must review it by %(due)s."),
        ),
        "review_started": (
            _("Your request %(code)s is under review"),
            _("The court has started to review your request about case %(case)s. It must decide by %(due)s."),
        ),
        "granted": (
            _("Your request %(code)s has been granted"),
            _("The court has granted your request about case %(case)s."),
        ),
        "rejected": (
            _("Your request %(code)s has been rejected"),
            _(
                "The court has rejected your request about case %(case)s. You may ask the higher court to "
                "reconsider it within 10 days of receiving this message, from the tracking page."
            ),
        ),
        "reconsideration_requested": (
            _("Your reconsideration request %(code)s has been received"),
            _("The higher court has received your request to reconsider. It must decide by %(due)s."),
        ),
        "upheld": (
            _("The higher court has upheld the rejection of %(code)s"),
            _("The higher court has reconsidered the rejection of your request about case %(case)s and upheld it."),
        ),
        "overturned": (
            _("The higher court has overturned the rejection of %(code)s"),
            _(
                "The higher court has overturned the rejection of your request about case %(case)s. The court "
                "must carry it out by %(due)s."
            ),
        ),
        "carried_out": (
            _("Your request %(code)s has been carried out"),
            _("The court has carried out your request about case %(case)s."),
        ),
        "withdrawn": (
            _("Your request %(code)s has been withdrawn"),
            _("You have withdrawn your request about case %(case)s."),
        ),
    }
    subject, intro = texts[step]
    values = {
        "code": request.tracking_code,
        "case": case_number,
        "due": request.due_on.isoformat() if request.due_on else "",
        "window": request.window_closes_on.isoformat() if request.window_closes_on else "",
    }
    return subject % values, intro % values


def tell_debtor(request, step: str, *, withdrawal_code: str = "", after_sent: dict | None = None) -> None:
    """Queue the e-mail for this step of the request (inside the caller's transaction). The receipt carries the
    withdrawal code, which only the filer is given (here and once on the receipt page)."""
    if not request.contact_email:
        return  # a phone number only: the court calls; the tracking page shows the same facts
    with translation.override(request.language):
        subject, intro = _subject_and_intro(step, request)
        lines = [intro, ""]
        reasons = request.reconsideration_reasons if step in ("upheld", "overturned") else request.decision_reasons
        if step in ("granted", "rejected", "upheld", "overturned") and reasons:
            lines += [_("Reasons:"), reasons, ""]
        if step == "carried_out" and request.effect_summary:
            lines += [request.effect_summary, ""]
        lines += [_("Tracking code: %(code)s") % {"code": request.tracking_code}]
        if withdrawal_code:
            lines += [
                _("Withdrawal code: %(code)s (keep it to yourself: only with it can the request be withdrawn)")
                % {"code": withdrawal_code}
            ]
        lines += [
            _("Follow your request at %(url)s") % {"url": tracking_url(request)},
            "",
            _("Enforcement Registry. This message was sent automatically; do not reply to it."),
        ]
        body = "\n".join(lines)
    outbox_email(
        to=request.contact_email, subject=subject, body=body, key=f"appeals:{request.pk}:{step}", after_sent=after_sent
    )
