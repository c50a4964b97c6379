"""Who may use the court systems' API, and what each user sees of it.

Staff only (active, `is_staff`, a role in at least one court, or a superuser). A case or a party outside the
user's courts answers 404, like the admin: an API client learns nothing about other courts' records.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from enforcement import permissions
from enforcement.models import EnforcementCase, Party
from enforcement.selectors import cases_visible_to, parties_visible_to


def is_court_staff(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or permissions.court_ids(user))
    )


class IsCourtStaff(BasePermission):
    """Authenticated staff holding a role in some court (the court of each record is checked per request)."""

    message = _("Only court staff with a role in a court may use this API.")

    def has_permission(self, request, view) -> bool:
        return is_court_staff(request.user)


def visible_case(user, case_id) -> EnforcementCase:
    """The case, if it belongs to one of the user's courts; otherwise 404 (whether it exists or not)."""
    case = cases_visible_to(user).select_related("court").filter(pk=case_id).first()
    if case is None:
        raise Http404(_("No such case in your courts."))
    return case


def visible_party(user, party_id) -> Party:
    party = parties_visible_to(user).filter(pk=party_id).first()
    if party is None:
        raise Http404(_("No such party in your courts."))
    return party
