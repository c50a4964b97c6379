from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        import appeals.checks  # noqa: F401 - registers the system checks
        from appeals import retention  # noqa: F401 - connects the receiver of `parties_anonymised`
