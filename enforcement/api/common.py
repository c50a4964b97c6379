"""What every court-system endpoint shares: the permission, the documented refusals, the pagination."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from enforcement.api.scope import IsCourtStaff

REFUSALS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: `{field: [message]}` or `{detail}`."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="No or invalid credentials."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not court staff, or no role in this court that allows it."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such record in your courts."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="Not possible in the record's current state: the reason."),
    422: OpenApiResponse(OpenApiTypes.OBJECT, description="The idempotency key was used with a different request."),
}


def refusals(*codes: int) -> dict:
    """The documented error answers of an operation (every operation may answer 401 and 403)."""
    return {code: REFUSALS[code] for code in sorted({401, 403, *codes})}


class CourtAPIView(APIView):
    permission_classes = [IsCourtStaff]


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pages by descending id: stable while cases are added, constant cost at any depth."""

    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """DRF's cursor, refused with 400 unless it is one a page could have given: a forged cursor that decodes
        (base64 of `p=2026-01-01`) would otherwise reach the database as an id and fail there."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = False
        position = None if cursor in (None, False) else cursor.position
        if cursor is False or (
            position is not None and not (position.isascii() and position.isdigit() and int(position) < 2**63)
        ):
            raise ParseError(_("This cursor is not one a page gave; use the `next` or `previous` link."))
        return cursor
