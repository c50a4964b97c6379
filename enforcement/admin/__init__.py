"""The clerk's site: every list scoped to the user's courts, every write through a service.

Case pages are read-only dossiers; what a user may do to a case is offered as actions (see `case_page`),
each a form that calls one service and shows its refusal as a message, never a 500.
"""

from enforcement.admin import cases, intake, parties, staff, system, totp  # noqa: F401 - registers the model admins
from enforcement.admin.base import CourtScopedAdmin, SuperuserEditsAdmin, is_staff_member, state_badge

__all__ = ["CourtScopedAdmin", "SuperuserEditsAdmin", "is_staff_member", "state_badge"]
