"""How the list follows the case: when a case is paid or closed, its sanctions end in the same transaction."""

from django.dispatch import receiver

from enforcement.models import CaseState
from enforcement.signals import case_transitioned
from listings import services


@receiver(case_transitioned, dispatch_uid="listings.sanctions_end")
def end_sanctions_when_case_ends(sender, *, case, transition, to_state, actor, reason, **kwargs) -> None:
    if to_state in (CaseState.PAID, CaseState.CLOSED):
        services.sanctions_end(case=case, actor=actor, cause=transition, reason=reason)
