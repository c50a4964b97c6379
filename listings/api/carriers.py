"""The carriers' API: restriction checks (one number, or a batch of up to 1,000) and the change feed.

A carrier authenticates with `Authorization: Api-Key <key>` (djangorestframework-api-key: only a hash of the key
is stored); the key names the categories it may ask about, and its own rate limit (counted in the `default` cache
on the key's prefix). Every check is recorded, one statement per request.
"""

import hashlib
import time

import orjson
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_api_key.permissions import KeyParser

from config.ratelimits import usage
from config.renderers import dumps
from config.replicas import ReplicaReadsView, replica_reads
from enforcement.rules import RestrictionCategory
from listings import checks, feed
from listings.models import CarrierKey, FeedEvent
from listings.services.checks import carrier_checks_answer

MAX_BATCH = 1000


# --- who is asking ------------------------------------------------------------------------------------------------


# Keys recently verified by this process (by a hash of the key): a carrier sends thousands of checks a second
# with one key, and looking it up and verifying its hash each time cost a query and a hash per check. A key
# revoked or changed is forgotten at once by the process that saved it (`forget_carrier_keys`, on save) and by
# every other web worker within CARRIER_KEY_CACHE_SECONDS (default 5; 0 turns the memory off).
_verified: dict[bytes, tuple[CarrierKey, float]] = {}
MAX_REMEMBERED = 10_000


def carrier_of(key: str) -> CarrierKey:
    """The usable key `key` names, or CarrierKey.DoesNotExist (unknown, wrong secret, or revoked)."""
    known = _remembered(key)
    if known is not None:
        return known
    digest, now = hashlib.sha256(key.encode()).digest(), time.time()
    carrier = CarrierKey.objects.get_from_key(key)
    seconds = settings.CARRIER_KEY_CACHE_SECONDS
    if seconds > 0:
        if len(_verified) >= MAX_REMEMBERED:
            _verified.clear()
        _verified[digest] = (carrier, now + seconds)
    return carrier


def _remembered(key: str) -> CarrierKey | None:
    """The key as this worker verified it, if it did within CARRIER_KEY_CACHE_SECONDS."""
    known = _verified.get(hashlib.sha256(key.encode()).digest())
    return known[0] if known is not None and known[1] > time.time() else None


def forget_carrier_keys() -> None:
    _verified.clear()


class CarrierKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`: the request is made by the key's organisation (`request.auth`)."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = KeyParser().get(request)
        if not key:
            return None
        try:
            carrier = carrier_of(key)
        except CarrierKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("This API key is not valid, or it was revoked.")) from None
        if carrier.has_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        return AnonymousUser(), carrier

    def authenticate_header(self, request) -> str:
        return self.keyword


class CarrierKeyScheme(OpenApiAuthenticationExtension):
    target_class = CarrierKeyAuthentication
    name = "CarrierKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: the key issued to your organisation (created in the admin).",
        }


class HasCarrierKey(BasePermission):
    message = gettext_lazy("Send a carrier API key: Authorization: Api-Key <key>.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, CarrierKey)


class CarrierRateThrottle(BaseThrottle):
    """Each key's own rate (`CarrierKey.rate`, else setting CARRIER_API_RATE), a fixed window counted in the
    shared cache (`config.ratelimits`)."""

    def allow_request(self, request, view) -> bool:
        carrier = request.auth
        if not isinstance(carrier, CarrierKey):
            return True
        used = self.usage(carrier)
        self.time_left = used.retry_after
        return not used.limited

    @staticmethod
    def usage(carrier: CarrierKey):
        """Count this request against the key's rate."""
        return usage(group="carrier-api", key=carrier.prefix, rate=carrier.rate or settings.CARRIER_API_RATE)

    @classmethod
    def limited(cls, carrier: CarrierKey) -> bool:
        return cls.usage(carrier).limited

    def wait(self):
        return max(1, self.time_left)


class CarrierView(APIView):
    authentication_classes = [CarrierKeyAuthentication]
    permission_classes = [HasCarrierKey]
    throttle_classes = [CarrierRateThrottle]

    def allowed_category(self, request, category: str) -> str:
        if category not in request.auth.categories:
            raise exceptions.PermissionDenied(
                _("This key may not ask about %(category)s; it may ask about: %(allowed)s.")
                % {
                    "category": category,
                    "allowed": ", ".join(sorted(request.auth.categories)) or _("no category"),
                }
            )
        return category


# --- the shapes (for validation and for the OpenAPI schema) -------------------------------------------------------


class CheckRequest(serializers.Serializer):
    id_number = serializers.CharField(
        max_length=64, help_text="PRC resident ID number, unified social credit code, or passport number."
    )
    category = serializers.ChoiceField(choices=RestrictionCategory.choices)

    def validate_id_number(self, value: str) -> str:
        try:
            return checks.clean_id_number(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 64}})
class IdNumberList(serializers.Field):
    """A list of strings, checked in one pass (a ListField of CharFields costs a field run per number)."""

    default_error_messages = {
        "not_a_list": gettext_lazy("Send the ID numbers as a list of strings."),
        "not_a_string": gettext_lazy("Item %(i)s is not a string of at most 64 characters."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        for i, item in enumerate(data):
            if not isinstance(item, str) or len(item) > 64:
                raise serializers.ValidationError(self.error_messages["not_a_string"] % {"i": i})
        return data

    def to_representation(self, value):
        return value


class BatchRequest(serializers.Serializer):
    category = serializers.ChoiceField(choices=RestrictionCategory.choices)
    id_numbers = IdNumberList(help_text="1 to 1,000 ID numbers; answered one by one, in this order.")

    def validate_id_numbers(self, value: list) -> list:
        if not value:
            raise serializers.ValidationError(_("Send at least one ID number."))
        if len(value) > MAX_BATCH:
            raise serializers.ValidationError(
                _("A batch holds at most %(max)s ID numbers; this one has %(n)s. Split it.")
                % {"max": f"{MAX_BATCH:,}", "n": f"{len(value):,}"}
            )
        return value


# One instance of each request serializer validates every request (`run_validation`: the same checks and the same
# errors as `is_valid`): a serializer deep-copies its fields each time it is made, which cost a single check five
# times what validating its two fields costs. Nothing is kept on the instance between requests.
CHECK_REQUEST = CheckRequest()
BATCH_REQUEST = BatchRequest()


class OrderRefSerializer(serializers.Serializer):
    court = serializers.CharField(allow_blank=True)
    case_number = serializers.CharField(allow_blank=True)
    order_number = serializers.CharField(allow_blank=True)


class CheckResponse(serializers.Serializer):
    restricted = serializers.BooleanField()
    category = serializers.ChoiceField(choices=RestrictionCategory.choices)
    orders = OrderRefSerializer(many=True)
    checked_at = serializers.DateTimeField()


class BatchItem(serializers.Serializer):
    id_number = serializers.CharField(allow_blank=True)
    restricted = serializers.BooleanField(allow_null=True, help_text="null: the ID number is not valid (see error).")
    orders = OrderRefSerializer(many=True)
    error = serializers.CharField(required=False, allow_blank=True, help_text="Only when the ID number is not valid.")


class BatchResponse(serializers.Serializer):
    category = serializers.ChoiceField(choices=RestrictionCategory.choices)
    checked_at = serializers.DateTimeField()
    results = BatchItem(many=True)


ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    description='Invalid input: each field at fault with its messages, e.g. `{"id_number": ["..."]}`.',
    response={"type": "object", "additionalProperties": True},
)
CARRIER_ERRORS = {
    401: OpenApiResponse(ERROR, description="No API key, or a key that is not valid, expired or revoked."),
    403: OpenApiResponse(ERROR, description="The key may not ask about this category."),
    429: OpenApiResponse(ERROR, description="The key's rate limit is reached; see Retry-After."),
}
ORDER_EXAMPLE = {
    "court": "北京市东城区人民法院",
    "case_number": "（2026）京0101执1号",
    "order_number": "（2026）京0101执限1号",
}


def _check_answer(result, category: str, now) -> dict:
    return {
        "restricted": result.restricted,
        "category": category,
        "orders": _order_dicts(result.orders),
        "checked_at": now,
    }


def _order_dicts(orders) -> list[dict]:
    return [{"court": o.court, "case_number": o.case_number, "order_number": o.order_number} for o in orders]


# --- the endpoints -----------------------------------------------------------------------------------------------


class CheckView(ReplicaReadsView, CarrierView):
    replica_retry_methods = ("POST",)  # a check changes nothing but its record, which is never lost

    @extend_schema(
        operation_id="carrier_check",
        summary="Is this person restricted in this category today?",
        description=(
            "Answers from the restriction orders in force that bind the person (as the debtor, or as a "
            "responsible person of a debtor organisation); a temporary lift covering today and the category "
            "answers not restricted. Never an amount, a creditor or other personal data."
        ),
        request=CheckRequest,
        responses={200: CheckResponse, 400: FIELD_ERRORS, **CARRIER_ERRORS},
        examples=[
            OpenApiExample(
                "Ask",
                request_only=True,
                value={"id_number": "11010119900307109X", "category": "air_travel"},
            ),
            OpenApiExample(
                "Restricted",
                response_only=True,
                value={
                    "restricted": True,
                    "category": "air_travel",
                    "orders": [ORDER_EXAMPLE],
                    "checked_at": "2026-03-02T09:30:00+08:00",
                },
            ),
            OpenApiExample(
                "Not restricted",
                response_only=True,
                value={
                    "restricted": False,
                    "category": "air_travel",
                    "orders": [],
                    "checked_at": "2026-03-02T09:30:00+08:00",
                },
            ),
        ],
        tags=["carriers"],
    )
    def post(self, request):
        data = CHECK_REQUEST.run_validation(request.data)
        category = self.allowed_category(request, data["category"])
        now = timezone.now()
        [result] = carrier_checks_answer(key=request.auth, category=category, id_numbers=[data["id_number"]], at=now)
        return Response(_check_answer(result, category, now))


def _remembered_carrier(request) -> CarrierKey | None:
    """The key of `Authorization: Api-Key <key>` if this worker verified it lately and it is still usable."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Api-Key "):
        return None
    carrier = _remembered(header[8:].strip())
    return None if carrier is None or carrier.has_expired else carrier


_check_view = CheckView.as_view()
ALLOW = ", ".join(CheckView().allowed_methods)


@csrf_exempt
@replica_reads(retry_methods=("POST",))
def check(request):
    """`POST /api/v1/checks/`: a well-formed check with a key this worker verified lately is answered here, at
    the cost of its lookup: the key from memory, one rate count, the body parsed and validated by the view's own
    serializer, the service, the JSON written as the view writes it. Anything else (no key or one to look up, a
    body to refuse, a category the key may not ask about, a key at its rate limit) goes to `CheckView`, which
    answers as it always has. The profile of a check showed DRF's request, negotiation and response machinery
    costing more CPU than the check itself (bench/profile.py)."""
    carrier = _remembered_carrier(request) if request.method == "POST" else None
    if carrier is not None and request.content_type == "application/json":
        try:
            data = CHECK_REQUEST.run_validation(orjson.loads(request.body))
        except (orjson.JSONDecodeError, serializers.ValidationError, TypeError):
            data = None
        if data is not None and data["category"] in carrier.categories and not CarrierRateThrottle.limited(carrier):
            now = timezone.now()
            [result] = carrier_checks_answer(
                key=carrier, category=data["category"], id_numbers=[data["id_number"]], at=now
            )
            response = HttpResponse(
                dumps(_check_answer(result, data["category"], now)), content_type="application/json"
            )
            response["Allow"] = ALLOW
            return response
    return _check_view(request)


check.cls = CheckView  # the schema (drf-spectacular) and the permission sweep read the view behind the URL
check.initkwargs = {}


class BatchCheckView(ReplicaReadsView, CarrierView):
    replica_retry_methods = ("POST",)

    @extend_schema(
        operation_id="carrier_check_batch",
        summary="Check up to 1,000 ID numbers in one category",
        description=(
            "One result per ID number, in the order sent (a number sent twice is answered twice). An old "
            "15-digit resident ID number is answered for the person, under its 18-digit form. A number "
            "that is not a valid ID number does not fail the batch: its result has `restricted: null` and an "
            "`error`. An empty batch or one of more than 1,000 numbers answers 400."
        ),
        request=BatchRequest,
        responses={200: BatchResponse, 400: FIELD_ERRORS, **CARRIER_ERRORS},
        examples=[
            OpenApiExample(
                "Ask",
                request_only=True,
                value={
                    "category": "rail_high_speed",
                    "id_numbers": ["11010119900307109X", "110101900307109", "110101199003072"],
                },
            ),
            OpenApiExample(
                "Answer",
                response_only=True,
                value={
                    "category": "rail_high_speed",
                    "checked_at": "2026-03-02T09:30:00+08:00",
                    "results": [
                        {"id_number": "11010119900307109X", "restricted": True, "orders": [ORDER_EXAMPLE]},
                        {"id_number": "11010119900307109X", "restricted": True, "orders": [ORDER_EXAMPLE]},
                        {
                            "id_number": "110101199003072",
                            "restricted": None,
                            "orders": [],
                            "error": "A 15-digit number is an old resident ID number, whose digits 7-12 are the "
                            "birth date (YYMMDD); in this one they are not a possible date.",
                        },
                    ],
                },
            ),
        ],
        tags=["carriers"],
    )
    def post(self, request):
        data = BATCH_REQUEST.run_validation(request.data)
        category = self.allowed_category(request, data["category"])
        now = timezone.now()
        results = carrier_checks_answer(key=request.auth, category=category, id_numbers=data["id_numbers"], at=now)
        items = []
        for result in results:
            item = {
                "id_number": result.id_number,
                "restricted": result.restricted,
                "orders": _order_dicts(result.orders),
            }
            if result.error:
                item["error"] = result.error
            items.append(item)
        return Response({"category": category, "checked_at": now, "results": items})


class FeedEventSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=FeedEvent.Kind.choices)
    id_number = serializers.CharField(
        allow_blank=True, help_text="The bound person's ID number (or an organisation's USCC)."
    )
    categories = serializers.ListField(child=serializers.ChoiceField(choices=RestrictionCategory.choices))
    court = serializers.CharField(allow_blank=True)
    court_code = serializers.CharField(allow_blank=True)
    case_number = serializers.CharField(allow_blank=True)
    document_number = serializers.CharField(
        allow_blank=True, help_text="The restriction order's or listing decision's number."
    )
    effective_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class FeedPageSerializer(serializers.Serializer):
    events = FeedEventSerializer(many=True)
    next = serializers.CharField(
        allow_blank=True, help_text="Pass as `after` to read on from the last event of this page."
    )
    has_more = serializers.BooleanField()


class ChangesView(CarrierView):
    @extend_schema(
        operation_id="carrier_changes",
        summary="Every publication, removal, restriction order and lift since the cursor",
        description=(
            "Events in commit order; pass `next` back as `after` to read on. A key sees the restriction events of "
            "the categories it may ask about, and every listing event. An event is served only once every "
            "transaction that started before it has ended, so a reader never skips or repeats an event, even "
            "when two changes commit out of order. Without `after`, the feed starts at its beginning."
        ),
        parameters=[
            OpenApiParameter("after", str, description="The `next` cursor of the previous page (opaque)."),
            OpenApiParameter("limit", int, description="Events per page, 1 to 1000 (default 1000)."),
        ],
        responses={200: FeedPageSerializer, 400: ERROR, 401: CARRIER_ERRORS[401], 429: CARRIER_ERRORS[429]},
        examples=[
            OpenApiExample(
                "A page",
                response_only=True,
                value={
                    "events": [
                        {
                            "event": "restriction_ordered",
                            "id_number": "11010119900307109X",
                            "categories": ["air_travel", "rail_high_speed"],
                            "court": "北京市东城区人民法院",
                            "court_code": "京0101",
                            "case_number": "（2026）京0101执1号",
                            "document_number": "（2026）京0101执限1号",
                            "effective_on": "2026-03-02",
                            "ends_on": None,
                            "recorded_at": "2026-03-02T09:30:00+08:00",
                        }
                    ],
                    "next": "NzQ1OjEyMw",
                    "has_more": False,
                },
            )
        ],
        tags=["carriers"],
    )
    def get(self, request):
        try:
            after = feed.decode_cursor(request.query_params.get("after", ""))
            if not feed.was_given(after):
                raise ValueError("a cursor the feed never gave")
        except ValueError:
            raise exceptions.ParseError(
                _("This cursor is not one the feed gave; pass the `next` of a page, or none to start.")
            ) from None
        limit_text = request.query_params.get("limit", str(feed.MAX_LIMIT))
        if not (limit_text.isascii() and limit_text.isdigit() and 1 <= int(limit_text) <= feed.MAX_LIMIT):
            raise exceptions.ParseError(_("limit is a whole number from 1 to %(max)d.") % {"max": feed.MAX_LIMIT})
        page = feed.read(after=after, limit=int(limit_text), categories=request.auth.categories)
        return Response({"events": page.events, "next": page.next_cursor, "has_more": page.has_more})
