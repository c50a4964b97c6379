"""Statistics of the public list, computed with a handful of aggregate queries and cached until the list changes.

The cache key carries a fingerprint of the list (latest publication, latest ending), two index-only lookups, so
a publication or a removal shows in the statistics at once.
"""

import datetime
import hashlib

from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from enforcement.models import CaseState, Party
from enforcement.rules import ClosingReason, Ground
from listings.models import ListingDecision
from listings.selectors import public_listings

MONTHS = 12
ENDED = [ListingDecision.Status.REMOVED, ListingDecision.Status.REVOKED, ListingDecision.Status.EXPIRED]


def fingerprint() -> str:
    latest = ListingDecision.objects.aggregate(published=Max("published_at"), ended=Max("ended_at"))
    stamp = f"{latest['published']}|{latest['ended']}|{timezone.localdate()}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:24]


def current() -> dict:
    key = f"listings:stats:{fingerprint()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, 24 * 60 * 60)
    return found


def _month_keys(today: datetime.date) -> list[datetime.date]:
    first = today.replace(day=1)
    return [first - relativedelta(months=n) for n in range(MONTHS - 1, -1, -1)]


def _per_month(rows, field: str, months) -> list[int]:
    counts = {
        timezone.localtime(r["month"]).date() if isinstance(r["month"], datetime.datetime) else r["month"]: r["n"]
        for r in rows
    }
    return [counts.get(month, 0) for month in months]


def compute(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    months = _month_keys(today)
    start = timezone.make_aware(datetime.datetime.combine(months[0], datetime.time()))
    listed = public_listings()
    totals = listed.aggregate(
        total=Count("pk"),
        persons=Count("pk", filter=Q(case__debtor__kind=Party.Kind.PERSON)),
        organisations=Count("pk", filter=Q(case__debtor__kind=Party.Kind.ORGANISATION)),
        **{f"ground_{g.value}": Count("pk", filter=Q(grounds__has=g)) for g in Ground},
    )
    published = ListingDecision.objects.filter(published_at__isnull=False)
    listed_per_month = (
        published.filter(published_at__gte=start)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    removed_per_month = (
        published.filter(status__in=ENDED, ended_at__gte=start)
        .annotate(month=TruncMonth("ended_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    by_court = list(
        listed.values("case__court__name", "case__court__name_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "case__court__name")[:15]
    )
    outcomes = published.aggregate(
        ever=Count("pk"),
        paid=Count(
            "pk",
            # Paid (the case closes right after, by the system) or already closed as paid or settled.
            filter=Q(status=ListingDecision.Status.REMOVED)
            & (
                Q(case__state=CaseState.PAID)
                | Q(case__closed_reason__in=[ClosingReason.PAID_IN_FULL, ClosingReason.SETTLEMENT_PERFORMED])
            ),
        ),
    )
    return {
        "total": totals["total"],
        "persons": totals["persons"],
        "organisations": totals["organisations"],
        "months": months,
        "listed_per_month": _per_month(listed_per_month, "published_at", months),
        "removed_per_month": _per_month(removed_per_month, "ended_at", months),
        "by_court": [(row["case__court__name"], row["case__court__name_en"], row["n"]) for row in by_court],
        "by_ground": [(g.value, totals[f"ground_{g.value}"]) for g in Ground],
        "ever_published": outcomes["ever"],
        "paid_after_listing": outcomes["paid"],
        "paid_share": round(100 * outcomes["paid"] / outcomes["ever"], 1) if outcomes["ever"] else 0.0,
    }
