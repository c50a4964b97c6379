"""Clearance certificates: issued once a case is closed as paid in full or as settlement performed, signed with an
HMAC keyed from SECRET_KEY, verified on a public page.

The signature covers the certificate number, the case number, the closing day and reason, and the debtor: their
name and masked ID number as printed on the certificate (and carried by its verification address). A certificate
whose number, debtor or signature was altered, or that was made up, is answered "unknown"; so a genuine
certificate cannot be passed off as someone else's. Verification also accepts signatures made with a key in
SECRET_KEY_FALLBACKS, so rotating the key does not invalidate the certificates already issued.

The debtor's name is not kept on the certificate: the signature authenticates the name the holder presents, and
the erasure of the debtor's data at the end of the retention period leaves no copy here.
"""

import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from appeals.models import ClearanceCertificate
from enforcement import rules
from enforcement.errors import Conflict
from enforcement.models import CaseState
from enforcement.services import audit_write, case_lock

SALT = "appeals.clearance-certificate"
SIGNATURE_CHARS = 32


def _name(value: str) -> str:
    return " ".join((value or "").split())


def _masked_id(value: str) -> str:
    return "".join((value or "").split()).upper()


def certificate_signature(
    *,
    number: str,
    case_number: str,
    closed_on,
    closed_reason: str,
    debtor_name: str,
    debtor_id_masked: str,
    secret: str | bytes | None = None,
) -> str:
    """The signature over what the certificate says, with `secret` (SECRET_KEY unless given)."""
    message = "|".join(
        [number, case_number, closed_on.isoformat(), closed_reason, _name(debtor_name), _masked_id(debtor_id_masked)]
    )
    return salted_hmac(SALT, message, secret=secret, algorithm="sha256").hexdigest()[:SIGNATURE_CHARS].upper()


def is_clearable(case) -> bool:
    return case.state == CaseState.CLOSED and case.closed_reason in rules.PAYMENT_REASONS


def debtor_as_certified(case) -> tuple[str, str]:
    """The debtor's name and masked ID number (first 10, ****, last 4; an organisation's USCC in full) as a
    certificate prints and signs them."""
    return _name(case.debtor.name), _masked_id(case.debtor.masked_id_number)


def _signs(certificate: ClearanceCertificate, case, signature: str, debtor_name: str, debtor_id_masked: str) -> bool:
    """Is `signature` the certificate's signature over these facts, with the key or one of its fallbacks?"""
    return any(
        hmac.compare_digest(
            signature,
            certificate_signature(
                number=certificate.number,
                case_number=case.case_number,
                closed_on=certificate.closed_on,
                closed_reason=certificate.closed_reason,
                debtor_name=debtor_name,
                debtor_id_masked=debtor_id_masked,
                secret=key,
            ),
        )
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def _sign(certificate: ClearanceCertificate, case) -> str:
    name, id_masked = debtor_as_certified(case)
    return certificate_signature(
        number=certificate.number,
        case_number=case.case_number,
        closed_on=certificate.closed_on,
        closed_reason=certificate.closed_reason,
        debtor_name=name,
        debtor_id_masked=id_masked,
    )


def certificate_issue(*, case_id: int) -> ClearanceCertificate:
    """The case's certificate (issued the first time it is asked for). Only a case closed as paid or settled.

    Asked for again, it is the same certificate, unless the debtor's name or ID number was corrected since: then
    it is signed again for the debtor as they are now, and the copies that name them as they were turn unknown."""
    with transaction.atomic():
        case = case_lock(case_id)
        if not is_clearable(case):
            raise Conflict(_("A clearance certificate is issued only once the case is closed as paid or settled."))
        existing = ClearanceCertificate.objects.select_for_update().filter(case=case).first()
        if existing is not None:
            if not _signs(existing, case, existing.signature, *debtor_as_certified(case)):
                existing.signature = _sign(existing, case)
                existing.save(update_fields=["signature"])
                audit_write(
                    case=case,
                    actor=None,
                    action="certificate_resign",
                    legal_basis=rules.LISTING_PROVISIONS,
                    detail={"certificate": existing.number},
                )
            return existing
        certificate = ClearanceCertificate(
            number=f"QC-{case.closed_on:%Y}-{case.pk:08d}",
            case=case,
            closed_reason=case.closed_reason,
            closed_on=case.closed_on,
        )
        certificate.signature = _sign(certificate, case)
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
            detail={"certificate": certificate.number},
        )
    return certificate


def certificate_verify_url(certificate: ClearanceCertificate) -> str:
    """The public verification address of a certificate (its QR code), on the public site (PUBLIC_SITE_URL),
    never on whatever host the request that downloads it named."""
    name, id_masked = debtor_as_certified(certificate.case)
    query = urlencode(
        {"number": certificate.number, "name": name, "id_number": id_masked, "signature": certificate.signature}
    )
    return f"{settings.PUBLIC_SITE_URL.rstrip('/')}{reverse('appeals:verify')}?{query}"


@dataclass(frozen=True)
class VerifiedCertificate:
    """A genuine certificate and the debtor it names (covered by its signature)."""

    certificate: ClearanceCertificate
    debtor_name: str
    debtor_id_masked: str


def certificate_verify(*, number: str, name: str, id_number: str, signature: str) -> VerifiedCertificate | None:
    """The certificate if it is genuine (the number, the debtor's name and masked ID number and the signature
    are those issued) and the case is still closed as paid or settled; else None."""
    number = "".join((number or "").split()).upper()
    signature = "".join((signature or "").split()).replace("-", "").upper()
    name, id_masked = _name(name), _masked_id(id_number)
    if not number or not signature or not name or not id_masked:
        return None
    certificate = ClearanceCertificate.objects.select_related("case", "case__court").filter(number=number).first()
    if certificate is None or not hmac.compare_digest(signature, certificate.signature):
        return None
    case = certificate.case
    if not _signs(certificate, case, signature, name, id_masked):
        return None
    if not is_clearable(case) or case.closed_on != certificate.closed_on:
        return None
    return VerifiedCertificate(certificate=certificate, debtor_name=name, debtor_id_masked=id_masked)
