from django.utils.translation import gettext_lazy as _

from enforcement.models import EnforcementCase


class ListRuleBreach(EnforcementCase):
    """No data of its own: the admin page of the list's invariants broken now (`listings.invariants`), each with
    its case. A proxy of the case, because every breach belongs to a case and a court."""

    class Meta:
        proxy = True
        verbose_name = _("breach of the list's rules")
        verbose_name_plural = _("breaches of the list's rules")
        default_permissions = ("view",)
