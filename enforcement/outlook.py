"""The case page's header: what happens next and who must act, and why an action the user might expect is
missing. A read, like a selector: it asks the apps' registered sources for the next steps and the same refusal
functions the services raise (`services.transition_refusal`, or an action's own `refusal`) for the reasons; it
restates no rule of its own.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from enforcement import services
from enforcement.case_page import NextStep, registry
from enforcement.errors import Conflict
from enforcement.models import CaseState, EnforcementCase

SYSTEM = _("the system (nightly run)")
CLERK = _("a clerk of the court")
APPROVER = _("an approver of the court")
DEBTOR = _("the debtor")
COURT = _("the court")
REVIEWER = _("a reviewer of the higher court")


@dataclass(frozen=True)
class MissingAction:
    label: str
    reason: str


@dataclass(frozen=True)
class Outlook:
    steps: list[NextStep]
    missing: list[MissingAction]


def _refusal(action, user, case) -> str | None:
    """Why this user may not take this action now, from the refusal the service itself would raise; None when
    the action's only answer is a yes or no. A refusal for the case's state (a Conflict) is not a reason worth
    showing: the action simply does not belong to this stage."""
    if action.refusal is not None:
        refusal = action.refusal(user, case)
    elif getattr(action.available, "transition", None) is not None:
        refusal = services.transition_refusal(case, action.available.transition, user)
    else:
        return None
    if refusal is None or isinstance(refusal, Conflict):
        return None
    return str(refusal.message)


def case_outlook(user, case: EnforcementCase, available: list) -> Outlook:
    """`available`: the actions the page offers (`registry.available_actions`), asked once per page."""
    steps = [step for source in registry.next_step_sources for step in source(case)]
    if any(not step.fallback for step in steps):
        steps = [step for step in steps if not step.fallback]
    steps.sort(key=lambda step: step.order)
    missing = []
    offered = {action.name for action in available}
    for action in sorted(registry.actions.values(), key=lambda a: a.order):
        if action.name in offered:
            continue
        reason = _refusal(action, user, case)
        if reason:
            missing.append(MissingAction(str(action.label), reason))
    return Outlook(steps=steps, missing=missing)


def _enforcement_steps(case: EnforcementCase) -> list[NextStep]:
    if case.state == CaseState.JUDGMENT and case.payment_due_on is None:
        return [NextStep(_("Serve the enforcement notice and record it: it starts the payment period."), CLERK, 10)]
    if case.state == CaseState.JUDGMENT:
        return [
            NextStep(
                _(
                    "The debtor must pay the balance by %(day)s. If a balance remains after it, the case is "
                    "declared in default."
                )
                % {"day": case.payment_due_on.isoformat()},
                DEBTOR,
                10,
            )
        ]
    if case.state == CaseState.DEFAULTED:
        return [
            NextStep(
                _("In default: propose a restriction order or a listing, or record payments as they come."),
                CLERK,
                50,
                fallback=True,
            )
        ]
    if case.state == CaseState.PAID:
        return [NextStep(_("Paid in full: the case is closed at once and every restriction lifted."), SYSTEM, 10)]
    if case.state == CaseState.CLOSED:
        return [
            NextStep(
                _("Closed on %(day)s (%(reason)s). Nothing more to do.")
                % {
                    "day": case.closed_on.isoformat() if case.closed_on else "",
                    "reason": case.get_closed_reason_display(),
                },
                "",
                10,
            )
        ]
    return []


registry.next_steps(_enforcement_steps)
