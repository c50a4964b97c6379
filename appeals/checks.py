"""System checks of the appeals app (run by `manage.py check`, `runserver`, `migrate` and the deploy checks)."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register


def _served_folders() -> list[tuple[str, Path]]:
    """Every folder whose files a web server, the static files app or the template loader may hand out."""
    folders: list[tuple[str, Path]] = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        if getattr(settings, name, None):
            folders.append((name, Path(getattr(settings, name))))
    for entry in getattr(settings, "STATICFILES_DIRS", ()):
        folder = entry[1] if isinstance(entry, tuple | list) else entry  # (prefix, path) pairs are allowed
        folders.append(("STATICFILES_DIRS", Path(folder)))
    for engine in settings.TEMPLATES:
        folders += [("TEMPLATES DIRS", Path(folder)) for folder in engine.get("DIRS", ())]
    # The apps' own folders: the static files finder serves `<app>/static`, the loader reads `<app>/templates`.
    for app_config in apps.get_app_configs():
        folders += [
            (f"the {app_config.label} app's {sub}", Path(app_config.path) / sub) for sub in ("static", "templates")
        ]
    return folders


@register(Tags.security)
def evidence_root_is_private(app_configs=None, **kwargs) -> list[Error]:
    """EVIDENCE_ROOT must lie outside every folder that is served or rendered: the debtors' evidence (identity
    documents, bank statements, medical certificates) is for the court's staff only, through the admin."""
    evidence_root = Path(settings.EVIDENCE_ROOT).resolve()
    errors = []
    for name, folder in _served_folders():
        folder = folder.resolve()
        if evidence_root == folder or evidence_root.is_relative_to(folder):
            errors.append(
                Error(
                    f"EVIDENCE_ROOT ({evidence_root}) is inside {name} ({folder}): the debtors' evidence could be "
                    "served to anyone.",
                    hint="Set EVIDENCE_ROOT to a folder outside the media, static and template folders.",
                    id="appeals.E001",
                )
            )
    return errors
