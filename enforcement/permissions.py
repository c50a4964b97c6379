"""Who may do what, per court. The one place that answers it; transitions, services and the admin ask here.

A staff user holds roles in courts (`StaffRole`). Clerks act on their courts' cases, approvers sign their
courts' decisions, reviewers decide reconsiderations of the courts below theirs. A superuser may do anything,
but the four-eyes rule still holds for them: nobody approves their own proposal.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from enforcement.models.courts import StaffRole

Role = StaffRole.Role
CACHE_ATTR = "_enforcement_court_roles"


def _roles(user) -> dict[int, frozenset[str]]:
    cached = getattr(user, CACHE_ATTR, None)
    if cached is None:
        by_court: dict[int, set[str]] = {}
        if user is not None and user.is_authenticated and user.is_active:
            for court_id, role in StaffRole.objects.filter(user=user).values_list("court_id", "role"):
                by_court.setdefault(court_id, set()).add(role)
        cached = {court_id: frozenset(roles) for court_id, roles in by_court.items()}
        if user is not None:
            setattr(user, CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop the cached roles (after they change)."""
    if hasattr(user, CACHE_ATTR):
        delattr(user, CACHE_ATTR)


def is_superuser(user) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


def has_role(user, court_id: int, *roles: str) -> bool:
    """Does the user hold one of `roles` (any role, if none given) in this court?"""
    if is_superuser(user):
        return True
    held = _roles(user).get(court_id, frozenset())
    return bool(held & set(roles)) if roles else bool(held)


def court_ids(user, *roles: str) -> set[int] | None:
    """The courts where the user holds one of `roles` (any role if none given); None means every court."""
    if is_superuser(user):
        return None
    return {court_id for court_id, held in _roles(user).items() if not roles or held & set(roles)}


def can_view_case(user, case) -> bool:
    return has_role(user, case.court_id)


def _court_of(instance):
    """The court of a case, a request or a decision, as the caller loaded it (a case is locked with its court)."""
    court = getattr(instance, "court", None)
    return court if court is not None else instance.case.court


def requires(*roles: str) -> Callable:
    """A django-fsm `permission=` callable: the user holds one of `roles` in the object's court. Its
    `explain(instance, user)` says why a user who may not, may not (the refusal's message)."""

    def check(instance, user) -> bool:
        return has_role(user, instance.court_id, *roles)

    def explain(instance, user) -> str:
        names = " / ".join(str(Role(role).label).lower() for role in roles)
        court = _court_of(instance)
        return _("You do not have a role in %(court)s that allows this (it needs: %(role)s).") % {
            "role": names,
            "court": court,
        }

    check.roles = roles
    check.explain = explain
    return check


def requires_other_approver(instance, user) -> bool:
    """Four eyes: an approver of the object's court who did not propose it (the proposer's `proposed_by_id`).
    The same rule over many rows is `listings.selectors.decisions_to_sign` (the approver's dashboard)."""
    return has_role(user, instance.court_id, Role.APPROVER) and instance.proposed_by_id != getattr(user, "pk", None)


def _explain_four_eyes(instance, user) -> str:
    if has_role(user, instance.court_id, Role.APPROVER):
        return _("You proposed this; another approver of the court must sign it (four eyes).")
    return requires(Role.APPROVER).explain(instance, user)


requires_other_approver.roles = (Role.APPROVER,)
requires_other_approver.explain = _explain_four_eyes
