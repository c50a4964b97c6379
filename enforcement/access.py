"""Recording staff access to personal data (see `AccessLogEntry`)."""

from config.clientip import client_ip
from enforcement.models import AccessLogEntry


def client_address(request) -> str | None:
    return client_ip(request)


def log_access(request, *, what: str, object_id, label: str = "") -> None:
    """Record that the request's user looked at this object now."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    AccessLogEntry.objects.create(
        user=user,
        what=what,
        object_id=str(object_id),
        label=label[:200],
        path=request.path[:300],
        address=client_address(request),
    )
