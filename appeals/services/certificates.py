"""Clearance certificates: issued once a case is closed as paid in full or as settlement performed, signed with an
HMAC keyed from SECRET_KEY, verified by number and signature on a public page.

The signature covers the certificate number, the case number, the closing day and reason: a certificate whose
number or signature was altered, or that was made up, is answered "unknown".
"""

import hmac

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from appeals.models import ClearanceCertificate
from enforcement import rules
from enforcement.errors import Conflict
from enforcement.models import CaseState
from enforcement.services import audit_write, case_lock

SALT = "appeals.clearance-certificate"
SIGNATURE_CHARS = 32


def certificate_signature(*, number: str, case_number: str, closed_on, closed_reason: str) -> str:
    message = "|".join([number, case_number, closed_on.isoformat(), closed_reason])
    return salted_hmac(SALT, message, algorithm="sha256").hexdigest()[:SIGNATURE_CHARS].upper()


def is_clearable(case) -> bool:
    return case.state == CaseState.CLOSED and case.closed_reason in rules.PAYMENT_REASONS


def certificate_issue(*, case_id: int) -> ClearanceCertificate:
    """The case's certificate (issued the first time it is asked for). Only a case closed as paid or settled."""
    with transaction.atomic():
        case = case_lock(case_id)
        if not is_clearable(case):
            raise Conflict(_("A clearance certificate is issued only once the case is closed as paid or settled."))
        existing = ClearanceCertificate.objects.filter(case=case).first()
        if existing is not None:
            return existing
        number = f"QC-{case.closed_on:%Y}-{case.pk:08d}"
        certificate = ClearanceCertificate(
            number=number,
            case=case,
            closed_reason=case.closed_reason,
            closed_on=case.closed_on,
            signature=certificate_signature(
                number=number, case_number=case.case_number, closed_on=case.closed_on, closed_reason=case.closed_reason
            ),
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            return ClearanceCertificate.objects.get(case=case)
        audit_write(
            case=case,
            actor=None,
            action="certificate_issue",
            legal_basis=rules.LISTING_PROVISIONS,
            detail={"certificate": number},
        )
    return certificate


def certificate_verify(*, number: str, signature: str) -> ClearanceCertificate | None:
    """The certificate if number and signature are genuine and the case is still closed as paid; else None."""
    number = "".join((number or "").split()).upper()
    signature = "".join((signature or "").split()).replace("-", "").upper()
    if not number or not signature:
        return None
    certificate = ClearanceCertificate.objects.select_related("case", "case__court").filter(number=number).first()
    if certificate is None:
        return None
    case = certificate.case
    expected = certificate_signature(
        number=certificate.number,
        case_number=case.case_number,
        closed_on=certificate.closed_on,
        closed_reason=certificate.closed_reason,
    )
    genuine = hmac.compare_digest(expected, signature) and hmac.compare_digest(expected, certificate.signature)
    if not genuine or not is_clearable(case) or case.closed_on != certificate.closed_on:
        return None
    return certificate
