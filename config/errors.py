"""What an unmatched address and an unexpected failure answer.

Under /api/ the answer is always JSON, even for a path no route matches (`/api/v1/cases/-1/`: the id converter
refuses it before any view runs). The database being unreachable (restarting, overloaded) is not a bug in the
request: it answers 503 with Retry-After and says to try again, as JSON under /api/ and as a page elsewhere.
Anything else is a genuine 500."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found as django_page_not_found
from django.views.defaults import permission_denied as django_permission_denied
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30


class Unavailable(Exception):
    """A dependency this request needs cannot be reached just now (say, a check that can be neither recorded nor
    spooled): answered 503 with Retry-After and the exception's message, like an unreachable database."""


def bad_request(request, exception, *args, **kwargs):
    """A request Django refuses before any view runs (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields,
    a malformed multipart body): JSON under /api/, saying what was wrong where that is safe to say."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _bad_request_reason(exception)}, status=400)
    return django_bad_request(request, exception, *args, **kwargs)


def _bad_request_reason(exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        return _("The request body is too large (at most %(n)s MiB, files excepted).") % {
            "n": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20:.1f}"
        }
    if isinstance(exception, TooManyFieldsSent):
        return _("The request has too many fields.")
    return _("The request could not be read.")


def permission_denied(request, exception, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return django_permission_denied(request, exception, *args, **kwargs)


def page_not_found(request, exception, *args, **kwargs):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return django_page_not_found(request, exception, *args, **kwargs)


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if not isinstance(exc, (OperationalError, InterfaceError, Unavailable)):
        return django_server_error(request, *args, **kwargs)
    message = _("The registry is briefly unavailable. Please try again in a minute.")
    if isinstance(exc, Unavailable):
        message = str(exc)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without a request context: nothing on this page may need the database.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
