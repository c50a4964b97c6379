"""The appeals app's part of the case page's header (`enforcement.outlook`): the debtor's requests that wait for
the court, with their deadline; and the request page's own header (what happens next, who acts, why an action
is missing)."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import services
from appeals.models import DECIDING_ROLE, RemovalRequest, RequestKind, RequestState
from enforcement.case_page import NextStep, registry
from enforcement.errors import Conflict
from enforcement.outlook import APPROVER, CLERK, COURT, DEBTOR, REVIEWER, SYSTEM, MissingAction
from enforcement.permissions import Role
from enforcement.templatetags.staff import STATE_LABELS


def _request_steps(case) -> list[NextStep]:
    waiting = RemovalRequest.objects.filter(case=case, due_on__isnull=False).order_by("due_on")
    return [
        NextStep(
            _("Request %(code)s (%(kind)s) waits for the court: %(state)s, deadline %(day)s.")
            % {
                "code": req.tracking_code,
                "kind": req.get_kind_display(),
                "state": req.get_state_display(),
                "day": req.due_on.isoformat(),
            },
            COURT,
            5,
        )
        for req in waiting
    ]


registry.next_steps(_request_steps)
# A request's changes are audited on its case: the audit trail names their states too.
STATE_LABELS.update(RequestState.choices)


# --- the request page's header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestOutlook:
    steps: list[NextStep]
    missing: list[MissingAction]


def request_steps(req: RemovalRequest) -> list[NextStep]:
    deciding = DECIDING_ROLE[RequestKind(req.kind)]
    by_role = {Role.CLERK: CLERK, Role.APPROVER: APPROVER}[deciding]
    day = req.due_on.isoformat() if req.due_on else ""
    if req.state == RequestState.SUBMITTED:
        return [NextStep(_("Take the request up and decide it by %(day)s.") % {"day": day}, by_role)]
    if req.state == RequestState.UNDER_REVIEW:
        return [NextStep(_("Decide the request (grant or reject, with reasons) by %(day)s.") % {"day": day}, by_role)]
    if req.state == RequestState.REJECTED:
        if req.window_closes_on is None:
            return [
                NextStep(
                    _("Rejected. The window for reconsideration opens when the rejection reaches the debtor."),
                    SYSTEM,
                )
            ]
        if req.window_closes_on >= timezone.localdate():
            return [
                NextStep(
                    _("Rejected. The debtor may ask the higher court to reconsider until %(day)s.")
                    % {"day": req.window_closes_on.isoformat()},
                    DEBTOR,
                )
            ]
        return [NextStep(_("Rejected; the window for reconsideration has closed. Nothing more to do."))]
    if req.state == RequestState.RECONSIDERATION_REQUESTED:
        return [NextStep(_("The higher court decides the reconsideration by %(day)s.") % {"day": day}, REVIEWER)]
    if req.state == RequestState.OVERTURNED and req.effect_done_at is None:
        return [NextStep(_("The rejection was overturned: carry the request out by %(day)s.") % {"day": day}, COURT)]
    if req.state == RequestState.UPHELD:
        return [NextStep(_("The higher court upheld the rejection. Nothing more to do."))]
    return [NextStep(_("Decided and carried out. Nothing more to do."))]


def request_outlook(user, req: RemovalRequest, actions: dict) -> RequestOutlook:
    """`actions`: the admin's {slug: (label, form, transition or None)}; a missing action's reason is the refusal
    the service raises (`appeals.services.refusal`), shown unless it only says the state is not the right one."""
    missing = []
    for label, _form, transition in actions.values():
        if transition is None:
            continue
        refusal = services.refusal(req, transition, user)
        if refusal is not None and not isinstance(refusal, Conflict):
            missing.append(MissingAction(str(label), str(refusal.message)))
    return RequestOutlook(steps=request_steps(req), missing=missing)
