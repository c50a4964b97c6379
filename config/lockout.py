"""The answer to a sign-in attempt that django-axes has locked out: HTTP 429, a page that says when to retry,
and a Retry-After header."""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, credentials=None, *args, **kwargs):
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
