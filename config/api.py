"""The REST API's wiring: `/api/v1/` (each app's `api/urls.py`), the OpenAPI schema and its docs, and the one
exception handler that turns every refusal into a JSON body with a 4xx status, never a 500."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from enforcement.errors import DomainError


def exception_handler(exc, context):
    """DRF's handler, plus the services' refusals: `DomainError` carries its own status and, where one field is
    at fault, answers `{"field": ["message"]}` like a serializer would."""
    if isinstance(exc, DomainError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=exc.status)
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


v1 = [
    path("", include("enforcement.api.urls")),
    path("", include("listings.api.urls")),
    path("", include("listings.api.urls_court")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL of its own (`?script=`) instead of inlining it, so
    # the docs run under the site's policy of scripts from 'self' only (see config.middleware).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
