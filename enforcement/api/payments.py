"""Recording a payment, idempotent by the `Idempotency-Key` header.

The key row is inserted first, in the same transaction as the payment: a second request with the same key waits
on the unique constraint until the first commits, then finds the row (locked) and answers the stored response.
If the first request was refused, its transaction left no row and the second one acts. The same key with a
different request (another case, amount, date ...) is refused with 422.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from enforcement import services
from enforcement.api import serializers as s
from enforcement.api.common import CourtAPIView, refusals
from enforcement.api.scope import visible_case
from enforcement.models import IdempotencyKey, Payment

HEADER = "Idempotency-Key"
OPERATION = "payment_record"
KEY_MAX_LENGTH = 64


def _key(request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ValidationError({HEADER: [_("Send an Idempotency-Key header (e.g. a UUID) with every payment.")]})
    if len(key) > KEY_MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise ValidationError(
            {HEADER: [_("An idempotency key is at most %(n)d printable ASCII characters.") % {"n": KEY_MAX_LENGTH}]}
        )
    return key


def _fingerprint(case_id: int, values: dict) -> str:
    canonical = json.dumps({"case": case_id, **{k: str(v) for k, v in values.items()}}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class CasePayments(CourtAPIView):
    @extend_schema(
        operation_id="cases_payments_create",
        request=s.PaymentIn,
        parameters=[
            OpenApiParameter(
                HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="A key of your choice (e.g. a UUID), at most 64 characters: the same key twice "
                "records one payment and answers the same.",
            )
        ],
        responses={201: s.PaymentOut, **refusals(400, 404, 409, 422)},
        summary="Record a payment (idempotent)",
        description="Payment in full moves the case to `paid`, and it closes at once.",
    )
    def post(self, request, case_id: int):
        case = visible_case(request.user, case_id)
        key = _key(request)
        data = s.PaymentIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.setdefault("currency", case.currency)
        fingerprint = _fingerprint(case.pk, values)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        operation=OPERATION,
                        fingerprint=fingerprint,
                        response_status=0,
                        response_body={},
                    )
            except IntegrityError:
                # Committed by an earlier request (or by one that held us until it committed).
                record = IdempotencyKey.objects.select_for_update().get(user=request.user, key=key)
                if record.operation != OPERATION or record.fingerprint != fingerprint:
                    return Response(
                        {HEADER: [_("This idempotency key was already used with a different request.")]},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                    )
                return Response(
                    record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
                )
            payment, _created = services.payment_record(
                actor=request.user,
                case_id=case.pk,
                idempotency_key=f"api:{request.user.pk}:{key}",
                **values,
            )
            payment = Payment.objects.select_related("case").get(pk=payment.pk)
            body = s.PaymentOut(payment).data
            record.response_status = status.HTTP_201_CREATED
            record.response_body = json.loads(json.dumps(body))
            record.save(update_fields=["response_status", "response_body"])
        return Response(body, status=status.HTTP_201_CREATED)
