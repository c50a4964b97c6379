"""The appeals app's part of the case page's header (`enforcement.outlook`): the debtor's requests that wait for
the court, with their deadline."""

from django.utils.translation import gettext_lazy as _

from appeals.models import RemovalRequest, RequestState
from enforcement.case_page import NextStep, registry
from enforcement.outlook import COURT
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
