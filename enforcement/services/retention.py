"""Retention: the personal data of a natural person whose every case closed longer ago than the retention period
(`rules.retention_years`) is erased. The rows stay, so counts by court, ground, month and kind, and the audit
trail's shape, are unchanged; the name, ID number, birth date, sex, address and phone are gone.

What other apps hold about the person they erase themselves, in the same transaction, on `parties_anonymised`:
the listings app its search keys and the change feed's ID numbers (listings.receivers.forget_search_keys), the
appeals app the person's requests, their contact details and evidence files (appeals.retention). The signal
carries `party_ids` and `id_numbers` ({party id: the ID number just erased}), since the feed knows a person
only by that number.

Every case of an erased person gets an audit row with the system as actor, so the case's history says when and
why its parties' data went; the run itself is recorded by `enforcement.tasks.anonymise_expired_parties`
(`JobRun`).
"""

import datetime
import itertools
import json
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.models import CaseState, EnforcementCase, Party, ResponsiblePerson
from enforcement.services.core import SYSTEM_ACTOR_NAME
from enforcement.services.transitions import insert_audit_rows
from enforcement.signals import parties_anonymised

AUDIT_ACTION = "parties_anonymise"
ANONYMISED_PREFIX = "ANON-"


def _expired_persons(cutoff: datetime.date):
    ended = Q(state=CaseState.CLOSED, closed_on__lt=cutoff)
    involved = (
        Q(debtor=OuterRef("pk")) | Q(creditor=OuterRef("pk")) | Q(debtor__responsible_persons__person=OuterRef("pk"))
    )
    return Party.objects.filter(kind=Party.Kind.PERSON, anonymised_at__isnull=True).filter(
        Exists(EnforcementCase.objects.filter(involved)),
        ~Exists(EnforcementCase.objects.filter(involved).exclude(ended)),
    )


def anonymised_id_number(party_id: int) -> str:
    """What replaces an erased person's ID number, wherever it was kept: a token that names no one."""
    return f"{ANONYMISED_PREFIX}{party_id}"


def parties_anonymise_expired(*, today: datetime.date | None = None, batch_size: int = 1000) -> int:
    """Erase the personal data of every person past retention; returns how many. Idempotent."""
    today = today or timezone.localdate()
    years = rules.get("retention_years")
    cutoff = today - relativedelta(years=years)
    ids = _expired_persons(cutoff).values_list("pk", flat=True).iterator(chunk_size=5000)
    erased = 0
    while batch := list(itertools.islice(ids, batch_size)):
        with transaction.atomic():
            numbers = dict(
                _expired_persons(cutoff)
                .filter(pk__any=batch)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "id_number")
            )
            if not numbers:
                continue
            locked = sorted(numbers)
            now = timezone.now()
            Party.objects.filter(pk__any=locked).update(
                name=_("(anonymised)"),
                id_type=Party.IdType.OTHER,
                id_number=Concat(Value(ANONYMISED_PREFIX), Cast("pk", CharField())),
                sex="",
                birth_date=None,
                address="",
                phone="",
                anonymised_at=now,
            )
            _audit(locked, now, years)
            parties_anonymised.send(sender=Party, party_ids=locked, id_numbers=numbers)
            erased += len(locked)
    return erased


def _audit(party_ids: list[int], now: datetime.datetime, years: int) -> None:
    """One audit row per case of the erased persons (debtor, creditor or an organisation's responsible person),
    in one batched insert, the system as actor. Only ids go in: the trail is append-only."""
    erased = set(party_ids)
    officers_of: dict[int, set[int]] = defaultdict(set)
    for organisation_id, person_id in ResponsiblePerson.objects.filter(person_id__any=party_ids).values_list(
        "organisation_id", "person_id"
    ):
        officers_of[organisation_id].add(person_id)
    cases = EnforcementCase.objects.filter(
        Q(debtor_id__any=party_ids) | Q(creditor_id__any=party_ids) | Q(debtor_id__any=list(officers_of))
    ).values_list("pk", "debtor_id", "creditor_id")
    reason = _("The retention period (%(years)d years after the last case closed) is over: personal data erased.") % {
        "years": years
    }
    rows = []
    for case_id, debtor_id, creditor_id in cases.order_by("pk"):
        involved = ({debtor_id, creditor_id} & erased) | officers_of.get(debtor_id, set())
        detail = json.dumps({"retention": True, "party_ids": sorted(involved)})
        rows.append((case_id, now, SYSTEM_ACTOR_NAME, AUDIT_ACTION, "", "", reason, "", detail))
    if rows:
        insert_audit_rows(rows)
