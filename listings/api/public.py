"""The public list as JSON (`/api/v1/listings/`): anonymous, rate-limited per client like the public pages,
and built by the one public selector (`listings.selectors`), so it shows exactly what the pages show."""

import dataclasses

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.cache import RETRY_AFTER_SECONDS, CacheUnavailable, refused_on_outage
from config.ratelimits import client_usage
from config.replicas import ReplicaReadsView
from enforcement.casenumbers import normalise_case_number
from enforcement.models import Court, Party, Province
from enforcement.rules import Ground, RestrictionCategory
from listings.selectors import MAX_ID, public_entries, public_entry, public_entry_ids

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class CountsUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = gettext_lazy("The public list's API is briefly unavailable. Please try again in a minute.")
    default_code = "unavailable"
    wait = RETRY_AFTER_SECONDS


class PublicRateThrottle(BaseThrottle):
    """The public pages' limit (PUBLIC_PAGE_RATE per client address), counted apart from the pages.

    With the shared cache down this limit fails closed (503, Retry-After), unlike the pages: the JSON list is
    where a harvester would read the whole list, per-process counts would multiply its rate by the number of
    workers, and a program can wait and retry where a person should not have to (docs/security.md)."""

    def allow_request(self, request, view) -> bool:
        try:
            with refused_on_outage():
                used = client_usage(request, group="api-public", rate=settings.PUBLIC_PAGE_RATE)
        except CacheUnavailable:
            raise CountsUnavailable from None
        self.time_left = used.retry_after
        return not used.limited

    def wait(self):
        return max(1, self.time_left)


class PublicEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    name = serializers.CharField(allow_blank=True)
    sex = serializers.CharField(allow_blank=True, help_text="M, F, or empty for an organisation.")
    age = serializers.IntegerField(allow_null=True)
    id_number_masked = serializers.CharField(
        allow_blank=True, help_text="A person's number masked; an organisation's USCC in full."
    )
    legal_representative = serializers.CharField(allow_blank=True, help_text="Organisations only.")
    court_id = serializers.IntegerField()
    court_name = serializers.CharField(allow_blank=True)
    court_name_en = serializers.CharField(allow_blank=True)
    province = serializers.CharField(allow_blank=True)
    case_number = serializers.CharField(allow_blank=True)
    filed_on = serializers.DateField()
    basis_issuer = serializers.CharField(allow_blank=True)
    basis_number = serializers.CharField(allow_blank=True)
    obligation = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_blank=True)
    amount_due = serializers.DecimalField(max_digits=16, decimal_places=2)
    amount_performed = serializers.DecimalField(max_digits=16, decimal_places=2)
    amount_unperformed = serializers.DecimalField(max_digits=16, decimal_places=2)
    grounds = serializers.ListField(child=serializers.ChoiceField(choices=Ground.choices))
    published_on = serializers.DateField()
    restricted_categories = serializers.ListField(child=serializers.ChoiceField(choices=RestrictionCategory.choices))


class ListingFilter(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="`next` of the previous page."
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)
    name = serializers.CharField(required=False, max_length=100)
    case_number = serializers.CharField(required=False, max_length=40)
    court = serializers.CharField(required=False, max_length=100, help_text="A court's name or code.")
    province = serializers.ChoiceField(required=False, choices=Province.choices)
    kind = serializers.ChoiceField(required=False, choices=Party.Kind.choices)

    def validate_court(self, value: str) -> Court:
        compact = "".join(value.split())
        court = Court.objects.filter(Q(code=compact) | Q(name=compact) | Q(name_en__iexact=value.strip())).first()
        if court is None:
            raise serializers.ValidationError(_("No court has this name or code."))
        return court


ERROR = inline_serializer("PublicError", {"detail": serializers.CharField()})
RATE_LIMITED = OpenApiResponse(ERROR, description="Too many requests from this address; see Retry-After.")
UNAVAILABLE = OpenApiResponse(ERROR, description="The rate limit's shared counts are unreachable; see Retry-After.")


class PublicView(ReplicaReadsView, APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]


class ListingListView(PublicView):
    @extend_schema(
        operation_id="public_listings",
        summary="The public list, newest first (keyset pages)",
        description="Filters as on the public search (no ID number: that search is on the site, by POST only).",
        parameters=[ListingFilter],
        responses={
            200: inline_serializer(
                "PublicListPage",
                {
                    "results": PublicEntrySerializer(many=True),
                    "next": serializers.IntegerField(allow_null=True, help_text="Pass as `after`."),
                },
            ),
            400: OpenApiResponse(description="A filter is not valid."),
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
        tags=["public"],
    )
    def get(self, request):
        params = ListingFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        ids, more = public_entry_ids(
            limit=data["limit"],
            after=data.get("after"),
            name=" ".join(data.get("name", "").split()),
            case_number=normalise_case_number(data.get("case_number", "")),
            court=data.get("court"),
            province=data.get("province", ""),
            kind=data.get("kind", ""),
        )
        entries = [dataclasses.asdict(entry) for entry in public_entries(ids)]
        return Response(
            {
                "results": PublicEntrySerializer(entries, many=True).data,
                "next": ids[-1] if more else None,
            }
        )


class ListingDetailView(PublicView):
    @extend_schema(
        operation_id="public_listing",
        summary="One entry of the public list",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The entry's id.")],
        responses={
            200: PublicEntrySerializer,
            404: OpenApiResponse(ERROR, description="Not on the list."),
            429: RATE_LIMITED,
            503: UNAVAILABLE,
        },
        tags=["public"],
    )
    def get(self, request, pk: str):
        found = public_entry(int(pk)) if pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID else None
        if found is None:
            raise exceptions.NotFound(_("This entry is not on the list."))
        return Response(PublicEntrySerializer(dataclasses.asdict(found)).data)
