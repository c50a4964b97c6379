"""Bulk intake of judgments: a court's file of judgments (CSV or JSON Lines) becomes parties and open cases.

Each row is checked by the rules `case_open` and `party_create` apply (case number and its court code, dates,
amount, currency, ID numbers and USCCs by their checksums), set-wise: the rows are validated in Python, then each
chunk costs a fixed handful of queries whatever its size (existing natural keys, existing case numbers, existing
parties, one INSERT of new parties, one of cases, one of intake records, one COPY of audit rows). Parties are
reused by their ID number. A row whose natural key (court, basis document number, debtor's ID number) an earlier
upload already took in is counted as present and creates nothing: uploading a file twice opens each case once.

The whole file is one transaction, under a lock on the court's row (two uploads for one court queue; other
writes to the court's cases do not wait): a file refused half-way (bad encoding, a line too long) writes
nothing, and a file taken in is taken in entirely. Bad rows never stop the others; they are reported with their
line number, the column at fault and the reason.

Columns (CSV header, or JSON Lines keys; names are case-insensitive; `*` = required):
    case_number*        （2026）京0101执123号 (half-width brackets accepted); its court code must be the court's
    filed_on*           the day the court accepted the application, YYYY-MM-DD, not in the future
    basis_issuer*       who made the judgment (or award) being enforced
    basis_number*       its document number
    basis_date*         its date, YYYY-MM-DD, not after filed_on
    obligation*         what it obliges the debtor to do (public)
    amount_due*         e.g. 12345.67 (more than 0, at most two decimals)
    currency            CNY (default), HKD, USD, EUR, GBP, JPY
    court               the court's code; if given, it must be the court the file is uploaded for
    creditor_kind*, debtor_kind*            person | organisation
    creditor_name*, debtor_name*
    creditor_id_type, debtor_id_type        resident_id (default for a person) | passport | other | uscc (organisation)
    creditor_id_number*, debtor_id_number*  resident ID number or USCC, checked by its check character
    creditor_sex, debtor_sex                M | F, required for a person without a resident ID
    creditor_birth_date, debtor_birth_date  YYYY-MM-DD, required for a person without a resident ID

The package reads the file (`parse`), checks the rows (`validate`) and writes them (`write`); this module is the
service that runs the three in one transaction.
"""

import hashlib
import logging
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from enforcement.errors import NotFound
from enforcement.models import Court, IntakeBatch
from enforcement.permissions import Role
from enforcement.services.core import _require_role
from enforcement.services.intake.parse import (
    COLUMNS,
    MAX_FILE_BYTES,
    OPTIONAL,
    REQUIRED,
    IntakeRefused,
    Rejection,
    _csv_rows,
    _decode,
    _jsonl_rows,
    detect_format,
)
from enforcement.services.intake.processes import checking_pool
from enforcement.services.intake.validate import (
    Judgment,
    PartyData,
    _checked_chunks,
    _checked_party,  # noqa: F401 - bench/profile.py times the checks through this module
    _in_background,
    _judgment,  # noqa: F401
)
from enforcement.services.intake.write import _write_chunk

__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "IntakeRefused",
    "Judgment",
    "PartyData",
    "Rejection",
    "detect_format",
    "judgments_intake",
]

logger = logging.getLogger(__name__)

MAX_REJECTIONS_KEPT = 100_000


def judgments_intake(*, actor, court_id: int, file, filename: str = "", file_format: str | None = None) -> IntakeBatch:
    """Take in a file of judgments for one court (see the module's docstring for the columns).

    `file` is a binary file object (an upload, an open file). Returns the recorded `IntakeBatch`: counts and the
    rejected rows. Raises `IntakeRefused` (400) when the file as a whole cannot be read, and writes nothing then.
    """
    started = time.perf_counter()
    court = Court.objects.filter(pk=court_id).first()
    if court is None:
        raise NotFound(_("There is no court %(id)s.") % {"id": court_id})
    _require_role(actor, court.pk, Role.CLERK)
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise IntakeRefused(_("The file is larger than %(n)d MB; split it.") % {"n": MAX_FILE_BYTES // 2**20})
    if file_format is None:
        file_format = detect_format(filename, data[:64])
    if file_format not in IntakeBatch.Format.values:
        raise IntakeRefused(_("Upload CSV or JSON Lines."))
    text = _decode(data)
    rejections: list[Rejection] = []
    rows = (_csv_rows if file_format == IntakeBatch.Format.CSV else _jsonl_rows)(text, rejections)
    today = timezone.localdate()
    # The workers (if any) are forked here, before this process starts a thread or takes a lock.
    with checking_pool(text) as pool, transaction.atomic():
        # Uploads for one court queue here, so two copies of one file cannot both find a row new.
        court = Court.objects.select_for_update(no_key=True).get(pk=court.pk)
        batch = IntakeBatch.objects.create(
            court=court,
            uploaded_by=actor,
            filename=filename[:255],
            file_format=file_format,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        counts = {"rows": 0}
        chunks = _in_background(
            lambda: _checked_chunks(rows, court=court, today=today, rejections=rejections, counts=counts, pool=pool),
            language=get_language(),
        )
        try:
            for chunk in chunks:
                _write_chunk(chunk, court=court, batch=batch, actor=actor, rejections=rejections)
        finally:
            chunks.close()  # a write that failed: stop the checking thread before the workers go
        total = counts["rows"] + sum(1 for r in rejections if not r.field)  # + rows refused before being read
        if total == 0:
            raise IntakeRefused(_("The file holds no judgments."))
        rejections.sort(key=lambda r: r.line)
        batch.rows_total = total
        batch.rows_rejected = len({r.line for r in rejections})
        batch.rejections = [r.as_dict() for r in rejections[:MAX_REJECTIONS_KEPT]]
        batch.seconds = round(time.perf_counter() - started, 3)
        batch.save()
    logger.info(
        "intake %s for %s: %d rows, %d opened, %d present, %d rejected in %.1f s",
        batch.pk,
        court.code,
        batch.rows_total,
        batch.rows_created,
        batch.rows_present,
        batch.rows_rejected,
        batch.seconds,
    )
    return batch
