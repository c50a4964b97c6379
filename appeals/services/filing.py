"""Filing a request: identifying the case, the tracking and withdrawal codes, the evidence, the submission.

Each change runs in one `transaction.atomic()`: lock the case (`case_lock`, the order every case service uses)
then the request (`select_for_update`), check the transition (state, permission, conditions), apply it, save,
write the audit row on the case's trail, carry out the effect through the case and listing services where the
change is a grant, and queue the debtor's e-mail in the outbox.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import evidence as evidence_files
from appeals.models import (
    KIND_CASE_STATES,
    OPEN_REQUEST_STATES,
    EvidenceFile,
    RemovalRequest,
    RequestKind,
    TemporaryLiftReason,
)
from appeals.services.notices import tell_debtor
from enforcement import identity, rules, workdays
from enforcement.casenumbers import normalise_case_number
from enforcement.errors import Conflict, InvalidInput, NotFound, RuleViolation
from enforcement.models import CaseState, EnforcementCase
from enforcement.rules import TRAVEL_CATEGORIES, ClosingReason, RestrictionCategory
from enforcement.services import audit_write, case_lock

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
MAX_STATEMENT = 5000


# --- finding what the debtor identifies ------------------------------------------------------------------------


def case_for_debtor(*, case_number: str, id_number: str) -> EnforcementCase | None:
    """The case with this number whose debtor has this ID number (or USCC), or None. A wrong pair and an unknown
    case are the same None: the caller cannot tell them apart, so neither can someone guessing ID numbers."""
    number = normalise_case_number(case_number or "")
    id_number = identity.normalise(id_number or "")
    if not number or not id_number:
        return None
    return (
        EnforcementCase.objects.select_related("court", "debtor")
        .filter(case_number=number, debtor__id_number=id_number)
        .first()
    )


def normalise_tracking_code(code: str) -> str:
    letters = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def _new_tracking_code() -> str:
    return normalise_tracking_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(12)))


# The tracking code follows a request; it is no secret (it is read out over the phone, and whoever holds it sees
# the request's state). Withdrawing needs more: the withdrawal code, which only the filer received.
_new_withdrawal_code = _new_tracking_code


def _withdrawal_code_matches(request: RemovalRequest, code: str) -> bool:
    code = normalise_tracking_code(code)
    return bool(code and request.withdrawal_code_hash) and check_password(code, request.withdrawal_code_hash)


def _detail(request: RemovalRequest) -> dict:
    return {"request_id": request.pk, "tracking_code": request.tracking_code, "kind": request.kind}


def _lock(request_id: int | None = None, *, tracking_code: str | None = None):
    """Lock the case, then the request (the order every case service uses). Inside the caller's transaction."""
    lookup = {"pk": request_id} if request_id is not None else {"tracking_code": normalise_tracking_code(tracking_code)}
    found = RemovalRequest.objects.filter(**lookup).values_list("pk", "case_id").first()
    if found is None:
        raise NotFound(_("There is no request with this tracking code."))
    case = case_lock(found[1])
    request = (
        RemovalRequest.objects.select_for_update(of=("self",)).select_related("court", "higher_court").get(pk=found[0])
    )
    request.case = case
    return case, request


@dataclass(frozen=True)
class Filing:
    """What filing answered: the request, whether it is new, and what the filer must be told once."""

    request: RemovalRequest
    created: bool
    #: Only for a new request: shown once on the receipt and sent in the receipt e-mail, never stored in clear.
    withdrawal_code: str = ""
    #: For the same submission sent again while the first is open: the new evidence files added to it.
    evidence_added: int = 0


def _submission_key(*, case, id_number, kind, statement, lift) -> str:
    statement = " ".join((statement or "").split())
    parts = [str(case.pk), identity.normalise(id_number), kind, statement, *map(str, lift)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# --- filing ----------------------------------------------------------------------------------------------------


def _check_lift(kind, lift_reason, lift_categories, starts_on, ends_on):
    if kind != RequestKind.TEMPORARY_LIFT:
        return "", frozenset(), None, None
    if lift_reason not in TemporaryLiftReason.values:
        raise InvalidInput(_("Choose the reason: illness, funeral, official duty or an exam."), field="lift_reason")
    try:
        categories = frozenset(RestrictionCategory(c) for c in (lift_categories or ()))
    except ValueError:
        raise InvalidInput(_("Choose travel categories from the list."), field="lift_categories") from None
    if not categories or not categories <= TRAVEL_CATEGORIES:
        raise InvalidInput(_("Choose the travel categories to lift."), field="lift_categories")
    if starts_on is None or ends_on is None:
        raise InvalidInput(_("Give the first and the last day of the lift."), field="lift_starts_on")
    if starts_on < timezone.localdate():
        raise InvalidInput(_("A temporary lift cannot start in the past."), field="lift_starts_on")
    if ends_on < starts_on:
        raise InvalidInput(_("The lift cannot end before it starts."), field="lift_ends_on")
    max_days = rules.get("temporary_lift_max_days")
    if (ends_on - starts_on).days + 1 > max_days:
        raise InvalidInput(
            _("A temporary lift lasts at most %(n)d days (one month).") % {"n": max_days}, field="lift_ends_on"
        )
    return lift_reason, categories, starts_on, ends_on


def _refuse_unfitting(case: EnforcementCase, kind: str) -> None:
    """Refuse a request the court could not carry out on the case as it stands (a closed case takes none)."""
    if case.state in KIND_CASE_STATES[RequestKind(kind)]:
        return
    state = case.get_state_display().lower()
    if case.state == CaseState.CLOSED:
        reason = ClosingReason(case.closed_reason).label if case.closed_reason else state
        message = _(
            "This case is closed (%(reason)s): it is off the list and its restrictions are lifted, so the court "
            "takes no more requests about it."
        ) % {"reason": reason}
    elif kind == RequestKind.WRONGLY_LISTED:
        message = _(
            "You are not on the list of dishonest judgment debtors for this case (it is %(state)s): there is no "
            "listing to take back. Choose another kind of request."
        ) % {"state": state}
    elif kind in (RequestKind.SECURITY_GIVEN, RequestKind.TEMPORARY_LIFT):
        message = _("No restriction is in force on this case (it is %(state)s): there is nothing to lift.") % {
            "state": state
        }
    else:
        message = _("This kind of request does not fit the case as it stands (it is %(state)s).") % {"state": state}
    raise RuleViolation(message, field="kind")


def _open_with_key(key: str) -> RemovalRequest | None:
    return RemovalRequest.objects.filter(submission_key=key, state__in=OPEN_REQUEST_STATES).first()


def _store_evidence(request: RemovalRequest, checked, stored: list[str]) -> None:
    for item in checked:
        stored.append(evidence_files.store(item))
        EvidenceFile.objects.create(
            request=request,
            original_name=item.name,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
            stored_name=stored[-1],
        )


def _add_evidence(request_id: int, checked) -> int:
    """The same submission came again while the first is open: add the files it carries that the request does not
    have yet (by content), within the limit on files. Returns how many were added."""
    if not checked:
        return 0
    stored: list[str] = []
    try:
        with transaction.atomic():
            case, request = _lock(request_id)
            if request.state not in OPEN_REQUEST_STATES:
                raise Conflict(
                    _("Your earlier request was decided or withdrawn a moment ago. Send the request again to file it.")
                )
            known = set(request.evidence.values_list("sha256", flat=True))
            new = []
            for item in checked:
                if item.sha256 not in known:
                    known.add(item.sha256)
                    new.append(item)
            if not new:
                return 0
            have = request.evidence.count()
            if have + len(new) > evidence_files.max_files():
                raise InvalidInput(
                    _("Your request already has %(have)d evidence files; a request has at most %(n)d.")
                    % {"have": have, "n": evidence_files.max_files()},
                    field="evidence",
                )
            _store_evidence(request, new, stored)
            audit_write(
                case=case,
                actor=None,
                action="request_evidence_add",
                legal_basis=rules.LISTING_PROVISIONS,
                detail={**_detail(request), "by": "debtor", "evidence_files": len(new)},
            )
    except BaseException:
        evidence_files.discard(stored)
        raise
    return len(new)


def removal_request_file(
    *,
    case_id: int,
    kind: str,
    statement: str,
    contact_email: str = "",
    contact_phone: str = "",
    language: str = "zh-hans",
    files=(),
    lift_reason: str = "",
    lift_categories=(),
    lift_starts_on: datetime.date | None = None,
    lift_ends_on: datetime.date | None = None,
) -> Filing:
    """A debtor files a request about the case they identified (`case_for_debtor`: case number + full ID number).

    The same submission sent again while the first is open is that request (any new evidence files it carries are
    added to it); once the first is withdrawn or decided, the same submission files a new request. A request the
    court could not carry out on the case as it stands (a closed case, a kind that does not fit) is refused."""
    if kind not in RequestKind.values:
        raise InvalidInput(_("Choose what you are asking for."), field="kind")
    case = EnforcementCase.objects.select_related("debtor").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No case matches this case number and ID number."))
    _refuse_unfitting(case, kind)
    statement = (statement or "").strip()
    if not statement:
        raise InvalidInput(_("Say what is wrong and why."), field="statement")
    if len(statement) > MAX_STATEMENT:
        raise InvalidInput(_("The statement has at most %(n)d characters.") % {"n": MAX_STATEMENT}, field="statement")
    contact_email, contact_phone = (contact_email or "").strip(), (contact_phone or "").strip()
    if not contact_email and not contact_phone:
        raise InvalidInput(_("Give an e-mail address or a phone number so the court can reach you."), field="contact")
    lift = _check_lift(kind, lift_reason, lift_categories, lift_starts_on, lift_ends_on)
    key = _submission_key(case=case, id_number=case.debtor.id_number, kind=kind, statement=statement, lift=lift)
    checked = evidence_files.check_files(files)
    existing = _open_with_key(key)
    if existing is not None:
        return Filing(existing, False, evidence_added=_add_evidence(existing.pk, checked))
    withdrawal_code = _new_withdrawal_code()
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = case_lock(case.pk)
            _refuse_unfitting(case, kind)
            today = timezone.localdate()
            request = RemovalRequest(
                tracking_code=_new_tracking_code(),
                submission_key=key,
                withdrawal_code_hash=make_password(withdrawal_code),
                case=case,
                court=case.court,
                higher_court_id=case.court.higher_court_id,
                kind=kind,
                statement=statement,
                contact_email=contact_email,
                contact_phone=contact_phone,
                language=language if language in ("en", "zh-hans") else "zh-hans",
                lift_reason=lift[0],
                lift_categories=lift[1],
                lift_starts_on=lift[2],
                lift_ends_on=lift[3],
                due_on=workdays.period_end(today, rules.get("correction_review_days")),
            )
            with transaction.atomic():
                request.save()
            _store_evidence(request, checked, stored)
            audit_write(
                case=case,
                actor=None,
                action="request_file",
                to_state=request.state,
                reason=statement[:500],
                legal_basis=rules.LISTING_PROVISIONS,
                detail={**_detail(request), "by": "debtor", "evidence_files": len(checked)},
            )
            tell_debtor(request, "filed", withdrawal_code=withdrawal_code)
    except IntegrityError:
        evidence_files.discard(stored)
        existing = _open_with_key(key)
        if existing is not None:  # the same submission, sent twice at the same moment
            return Filing(existing, False, evidence_added=_add_evidence(existing.pk, checked))
        raise
    except BaseException:
        evidence_files.discard(stored)
        raise
    return Filing(request, True, withdrawal_code=withdrawal_code)
