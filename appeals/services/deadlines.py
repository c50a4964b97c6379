"""The daily flag of requests whose deadline is near (2 working days or less) or past, and the e-mail that tells
the court's staff: set-wise, one e-mail per court and level, idempotent (a request is flagged once per deadline,
and the e-mail's outbox key is the set it reports)."""

import hashlib
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Func, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appeals.models import RemovalRequest, RequestState
from enforcement import workdays
from enforcement.selectors import staff_emails_by_court
from enforcement.services import outbox_email

NEAR_WORKING_DAYS = 2
CHUNK = 5000


def _wanted_flag(due_on, today, near_limit) -> str:
    if due_on < today:
        return f"overdue:{due_on.isoformat()}"
    if due_on <= near_limit:
        return f"near:{due_on.isoformat()}"
    return ""


class _IsoDate(Func):
    """A date as the text `YYYY-MM-DD` (what `date.isoformat()` writes into a flag), on any database."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])  # SQLite stores a date as that very text

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="TO_CHAR(%(expressions)s, 'YYYY-MM-DD')")


def _flagged_as_wanted(today) -> Q:
    """The requests whose flag already says what `_wanted_flag` would write (the staff were told)."""
    due = _IsoDate("due_on")
    return Q(due_on__lt=today, deadline_flag=Concat(Value("overdue:"), due)) | Q(
        due_on__gte=today, deadline_flag=Concat(Value("near:"), due)
    )


def requests_flag_deadlines(*, today=None) -> dict[str, int]:
    today = today or timezone.localdate()
    near_limit = workdays.add_working_days(today, NEAR_WORKING_DAYS)
    counts = {"near": 0, "overdue": 0, "cleared": 0, "emails": 0}
    with transaction.atomic():
        # Deadlines met or replaced by a later one: the old flag goes, so a new deadline can be flagged again.
        counts["cleared"] = (
            RemovalRequest.objects.exclude(deadline_flag="").filter(due_on__isnull=True).update(deadline_flag="")
        )
        # Only the requests whose flag is not yet the one their deadline calls for, most urgent first: the
        # requests already flagged must not fill the chunk, or past enough of them a new one is never flagged.
        rows = list(
            RemovalRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due_on__isnull=False, due_on__lte=near_limit)
            .exclude(_flagged_as_wanted(today))
            .order_by("due_on", "pk")
            .values_list(
                "pk",
                "court_id",
                "higher_court_id",
                "state",
                "due_on",
                "deadline_flag",
                "tracking_code",
                "case__case_number",
            )[: CHUNK * 20]
        )
        by_flag: dict[str, list[int]] = defaultdict(list)
        to_tell: dict[tuple[int, str], list[tuple]] = defaultdict(list)
        for pk, court_id, higher_id, state, due_on, flag, code, case_number in rows:
            wanted = _wanted_flag(due_on, today, near_limit)
            if wanted == flag:
                continue
            by_flag[wanted].append(pk)
            level = wanted.split(":", 1)[0]
            counts[level] += 1
            court = higher_id if state == RequestState.RECONSIDERATION_REQUESTED else court_id
            to_tell[(court, level)].append((code, case_number, due_on))
        for flag, ids in by_flag.items():
            RemovalRequest.objects.filter(pk__in=ids).update(deadline_flag=flag)
        recipients = staff_emails_by_court({court for court, _level in to_tell})
        for (court, level), items in sorted(to_tell.items()):
            if recipients.get(court):
                counts["emails"] += _tell_staff(court, level, items, recipients[court], today)
    return counts


def _tell_staff(court_id, level, items, to, today) -> int:
    items = sorted(items, key=lambda item: (item[2], item[0]))
    digest = hashlib.sha256("|".join(f"{c}:{d}" for c, _n, d in items).encode()).hexdigest()[:16]
    with translation.override(settings.LANGUAGE_CODE):
        if level == "overdue":
            subject = _("%(n)d requests are past their deadline") % {"n": len(items)}
        else:
            subject = _("%(n)d requests are due within two working days") % {"n": len(items)}
        lines = [
            _("Requests of debtors waiting for your court (as of %(d)s):") % {"d": today.isoformat()},
            "",
            *(
                _("%(code)s, case %(case)s, deadline %(due)s") % {"code": code, "case": number, "due": due.isoformat()}
                for code, number, due in items
            ),
            "",
            _("Open the queue of removal and correction requests in the court administration."),
        ]
    message = outbox_email(
        to=to, subject=subject, body="\n".join(lines), key=f"appeals-deadlines:{court_id}:{level}:{digest}"
    )
    return 1 if message is not None else 0
