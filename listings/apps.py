from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("List of dishonest judgment debtors")

    def ready(self) -> None:
        from listings import receivers  # noqa: F401 - connects the signal receivers
