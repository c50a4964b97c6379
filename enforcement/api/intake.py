"""Bulk intake of judgments through the API: `POST /api/v1/intake/` (multipart) and the result of an upload."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from enforcement import permissions
from enforcement.api.common import CourtAPIView, refusals
from enforcement.api.serializers import CourtCode
from enforcement.models import IntakeBatch
from enforcement.services.intake import judgments_intake

SHOWN_REJECTIONS = 1000


class IntakeIn(serializers.Serializer):
    court = CourtCode(help_text=_("The code of the court the file is for."))
    file = serializers.FileField(
        help_text=_("CSV with a header row, or JSON Lines, UTF-8; the columns are listed in the README.")
    )
    format = serializers.ChoiceField(
        choices=IntakeBatch.Format.choices,
        required=False,
        help_text=_("Read from the file name (.csv, .jsonl) or the content if omitted."),
    )


class RejectionOut(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class IntakeBatchOut(serializers.ModelSerializer):
    court = serializers.CharField(source="court.code", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    rejections = serializers.SerializerMethodField()
    rejections_total = serializers.SerializerMethodField()

    class Meta:
        model = IntakeBatch
        fields = [
            "id",
            "court",
            "uploaded_by",
            "uploaded_at",
            "filename",
            "file_format",
            "sha256",
            "rows_total",
            "rows_created",
            "rows_present",
            "rows_rejected",
            "parties_created",
            "seconds",
            "rejections_total",
            "rejections",
        ]

    @extend_schema_field(RejectionOut(many=True))
    def get_rejections(self, batch) -> list[dict]:
        return RejectionOut(batch.rejections[:SHOWN_REJECTIONS], many=True).data

    def get_rejections_total(self, batch) -> int:
        return len(batch.rejections)


class IntakeUpload(CourtAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="intake_create",
        request={"multipart/form-data": IntakeIn},
        responses={201: IntakeBatchOut, **refusals(400)},
        summary="Upload a file of judgments (CSV or JSON Lines)",
        description="Each row is checked like a case opened by hand; good rows open cases (parties are reused by "
        "their ID number), bad rows are reported with their line number and reason. A row already taken in (same "
        "court, basis document number and debtor ID number) creates nothing, so a file may be uploaded again. "
        "A file that cannot be read as a whole (encoding, header, line length) answers 400 and writes nothing.",
    )
    def post(self, request):
        data = IntakeIn(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        batch = judgments_intake(
            actor=request.user,
            court_id=data.validated_data["court"].pk,
            file=upload,
            filename=(upload.name or "").replace("\x00", ""),
            file_format=data.validated_data.get("format"),
        )
        return Response(IntakeBatchOut(batch).data, status=status.HTTP_201_CREATED)


class IntakeDetail(CourtAPIView):
    @extend_schema(
        operation_id="intake_retrieve",
        responses={200: IntakeBatchOut, **refusals(404)},
        summary="The result of an upload",
    )
    def get(self, request, batch_id: int):
        batches = IntakeBatch.objects.select_related("court", "uploaded_by")
        courts = permissions.court_ids(request.user)
        if courts is not None:
            batches = batches.filter(court_id__in=courts)
        batch = batches.filter(pk=batch_id).first()
        if batch is None:
            raise Http404(_("No such upload in your courts."))
        return Response(IntakeBatchOut(batch).data)
