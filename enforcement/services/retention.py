"""Retention: the personal data of a natural person whose every case closed longer ago than the retention period
(`rules.retention_years`) is erased. The rows stay, so counts by court, ground, month and kind, and the audit
trail's shape, are unchanged; the name, ID number, birth date, sex, address and phone are gone."""

import datetime
import itertools

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.models import CaseState, EnforcementCase, Party
from enforcement.signals import parties_anonymised


def _expired_persons(cutoff: datetime.date):
    ended = Q(state=CaseState.CLOSED, closed_on__lt=cutoff)
    involved = (
        Q(debtor=OuterRef("pk")) | Q(creditor=OuterRef("pk")) | Q(debtor__responsible_persons__person=OuterRef("pk"))
    )
    return Party.objects.filter(kind=Party.Kind.PERSON, anonymised_at__isnull=True).filter(
        Exists(EnforcementCase.objects.filter(involved)),
        ~Exists(EnforcementCase.objects.filter(involved).exclude(ended)),
    )


def parties_anonymise_expired(*, today: datetime.date | None = None, batch_size: int = 1000) -> int:
    """Erase the personal data of every person past retention; returns how many. Idempotent."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(years=rules.get("retention_years"))
    ids = _expired_persons(cutoff).values_list("pk", flat=True).iterator(chunk_size=5000)
    erased = 0
    while batch := list(itertools.islice(ids, batch_size)):
        with transaction.atomic():
            locked = list(
                _expired_persons(cutoff)
                .filter(pk__any=batch)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)
            )
            Party.objects.filter(pk__any=locked).update(
                name=_("(anonymised)"),
                id_type=Party.IdType.OTHER,
                id_number=Concat(Value("ANON-"), Cast("pk", CharField())),
                sex="",
                birth_date=None,
                address="",
                phone="",
                anonymised_at=timezone.now(),
            )
            parties_anonymised.send(sender=Party, party_ids=locked)
            erased += len(locked)
    return erased
