"""What the public may see: the one rule, for pages, API and exports alike (../shared/DESIGN.md).

An entry is public while its listing decision is in force and published (its grace period over) and the case is
still `listed`. A public surface never reads the models directly: it asks `public_listings()` for the rows and
turns each into a `PublicEntry`, which holds every field the public may see and nothing else: the ID number of a
natural person only masked, never an address, contact detail, piece of evidence or internal note.
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connections
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from config.replicas import read_alias
from enforcement import identity, rules, workdays
from enforcement.models import CaseState, Party, ResponsiblePerson
from enforcement.rules import Ground, RestrictionCategory
from listings.models import PUBLIC, ListingDecision, RestrictionOrder


@dataclass(frozen=True)
class PublicEntry:
    id: int
    kind: str  # "person" or "organisation"
    name: str
    sex: str  # "M", "F" or "" (organisations)
    age: int | None
    id_number_masked: str  # a person's number masked; an organisation's USCC in full
    legal_representative: str  # organisations only
    court_id: int
    court_name: str
    court_name_en: str
    province: str
    case_number: str
    filed_on: datetime.date
    basis_issuer: str
    basis_number: str
    obligation: str
    currency: str
    amount_due: Decimal
    amount_performed: Decimal
    amount_unperformed: Decimal
    grounds: tuple[int, ...]
    published_on: datetime.date
    restricted_categories: tuple[str, ...]

    @property
    def ground_labels(self) -> list[str]:
        return [str(Ground(g).label) for g in self.grounds]

    @property
    def category_labels(self) -> list[str]:
        return [str(RestrictionCategory(c).label) for c in self.restricted_categories]


def public_rows(today: datetime.date | None = None) -> QuerySet[ListingDecision]:
    """The one rule of what the public may see, as rows: a listing in force and published (its grace period
    over), on a case still listed, and not past its last day (`expires_on`), whether or not the daily sweep has
    ended it yet."""
    today = today or timezone.localdate()
    return ListingDecision.objects.filter(PUBLIC, case__state=CaseState.LISTED).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def public_listings(today: datetime.date | None = None) -> QuerySet[ListingDecision]:
    """The listing decisions the public may see, with what `to_public_entry` needs joined in (no N+1)."""
    legal_representative = ResponsiblePerson.objects.filter(
        organisation=OuterRef("case__debtor"), role=ResponsiblePerson.Role.LEGAL_REPRESENTATIVE
    ).order_by("id")
    order_categories = RestrictionOrder.objects.filter(
        case=OuterRef("case"), status=RestrictionOrder.Status.IN_FORCE
    ).order_by("-id")
    return (
        public_rows(today)
        .select_related("case", "case__court", "case__debtor")
        .annotate(
            legal_representative_name=Subquery(legal_representative.values("person__name")[:1]),
            restricted=Subquery(order_categories.values("categories")[:1]),
        )
    )


def public_entry_ids(
    *,
    limit: int,
    after: int | None = None,
    id_number: str = "",
    case_number: str = "",
    name: str = "",
    court=None,
    province: str = "",
    kind: str = "",
) -> tuple[list[int], bool]:
    """The ids of public entries matching these (normalised) search keys, newest listing first, at most `limit`
    of them below `after`, and whether more follow: what the search page and the JSON list both page through.

    Each filter reads the decision's own search keys, so a search walks one partial index over the public rows
    (name, ID number or case number, then id descending) and stops after a page: its cost does not grow with the
    list. The entries themselves then come from `public_entries`, which applies the whole rule again."""
    rows = public_rows()
    for column, value in (
        ("debtor_id_number", id_number),
        ("case_number", case_number),
        ("debtor_name", name),
        ("court", court),
        ("province", province),
        ("debtor_kind", kind),
    ):
        if value:
            rows = rows.filter(**{column: value})
    if after:
        rows = rows.filter(pk__lt=after)
    ids = list(rows.order_by("-pk").values_list("pk", flat=True)[: limit + 1])
    return ids[:limit], len(ids) > limit


# What `public_entries` reads of each row of `public_listings()`, by name.
PUBLIC_COLUMNS = {
    "id": "id",
    "grounds": "grounds",
    "published_at": "published_at",
    "kind": "case__debtor__kind",
    "name": "case__debtor__name",
    "sex": "case__debtor__sex",
    "birth_date": "case__debtor__birth_date",
    "id_number": "case__debtor__id_number",
    "court_id": "case__court_id",
    "court_name": "case__court__name",
    "court_name_en": "case__court__name_en",
    "province": "case__court__province",
    "case_number": "case__case_number",
    "filed_on": "case__filed_on",
    "basis_issuer": "case__basis_issuer",
    "basis_number": "case__basis_number",
    "obligation": "case__obligation",
    "currency": "case__currency",
    "amount_due": "case__amount_due",
    "amount_paid": "case__amount_paid",
    "legal_representative": "legal_representative_name",
    "restricted": "restricted",
}


def public_values(row: dict, today: datetime.date, tz: datetime.tzinfo) -> tuple:
    """The public view of one row (by the names of `PUBLIC_COLUMNS`, as the ORM returns them): every field of
    `PublicEntry`, in its order. The only place the masking and the choice of fields happen; the pages and the
    API get it as a `PublicEntry`, the open-data export as this tuple (a million of them, without an object
    each). `tz` is the current time zone, asked once by the caller."""
    person = row["kind"] == Party.Kind.PERSON
    return (
        row["id"],
        row["kind"],
        row["name"],
        row["sex"] if person else "",  # sex
        identity.age_on(row["birth_date"], today) if person and row["birth_date"] else None,  # age
        identity.mask_id_number(row["id_number"]) if person else row["id_number"],  # id_number_masked
        "" if person else (row["legal_representative"] or ""),  # legal_representative
        row["court_id"],
        row["court_name"],
        row["court_name_en"],
        row["province"],
        row["case_number"],
        row["filed_on"],
        row["basis_issuer"],
        row["basis_number"],
        row["obligation"],
        row["currency"],
        row["amount_due"],
        row["amount_paid"],  # amount_performed
        row["amount_due"] - row["amount_paid"],  # amount_unperformed
        _grounds(frozenset(row["grounds"])),
        row["published_at"].astimezone(tz).date(),  # published_on
        _categories(frozenset(row["restricted"] or ())),  # restricted_categories
    )


@functools.cache
def _grounds(grounds: frozenset) -> tuple[int, ...]:
    """The grounds in their order (64 sets at most: each is worked out once per process)."""
    return tuple(sorted(int(g) for g in grounds))


@functools.cache
def _categories(restricted: frozenset) -> tuple[str, ...]:
    """The categories in force, in the order of `RestrictionCategory` (4,096 sets at most)."""
    return tuple(c.value for c in RestrictionCategory if c in restricted)


def _entry(row: dict, today: datetime.date) -> PublicEntry:
    return PublicEntry(*public_values(row, today, timezone.get_current_timezone()))


def to_public_entry(decision: ListingDecision, *, today: datetime.date | None = None) -> PublicEntry:
    """The public view of one row of `public_listings()` loaded as a model instance."""
    case, debtor = decision.case, decision.case.debtor
    row = {
        "id": decision.pk,
        "grounds": decision.grounds,
        "published_at": decision.published_at,
        "kind": debtor.kind,
        "name": debtor.name,
        "sex": debtor.sex,
        "birth_date": debtor.birth_date,
        "id_number": debtor.id_number,
        "court_id": case.court_id,
        "court_name": case.court.name,
        "court_name_en": case.court.name_en,
        "province": case.court.province,
        "case_number": case.case_number,
        "filed_on": case.filed_on,
        "basis_issuer": case.basis_issuer,
        "basis_number": case.basis_number,
        "obligation": case.obligation,
        "currency": case.currency,
        "amount_due": case.amount_due,
        "amount_paid": case.amount_paid,
        "legal_representative": getattr(decision, "legal_representative_name", None),
        "restricted": getattr(decision, "restricted", None),
    }
    return _entry(row, today or timezone.localdate())


class _Compiled:
    """`public_listings()` for a batch of ids, compiled to SQL once per process and connection alias.

    Compiling the selector (its joins and two correlated subqueries) costs Django several milliseconds, more
    than PostgreSQL takes to run it; the statement text never changes, only the array of ids does. The rows
    still go through Django's converters, so they come back as the ORM would return them.
    """

    def __init__(self, alias: str):
        self.compiler = (
            public_listings(SENTINEL_DAY)
            .filter(pk__any=[0])
            .values_list(*PUBLIC_COLUMNS.values())
            .query.get_compiler(alias)
        )
        self.sql, params = self.compiler.as_sql()
        self.ids_at = params.index([0])
        self.today_at = [i for i, p in enumerate(params) if p in (SENTINEL_DAY, SENTINEL_DAY.isoformat())]
        self.params = list(params)
        self.converters = self.compiler.get_converters([expression for expression, _, _ in self.compiler.select])

    def rows(self, ids: list[int], today: datetime.date) -> list[dict]:
        params = list(self.params)
        params[self.ids_at] = list(ids)
        for position in self.today_at:
            params[position] = today
        with connections[self.compiler.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        converted = self.compiler.apply_converters(fetched, self.converters) if self.converters else fetched
        return [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in converted]


_compiled: dict[str, _Compiled] = {}
SENTINEL_DAY = datetime.date(1, 1, 1)  # marks where today goes in the compiled statement


def public_entries(ids: list[int], *, today: datetime.date | None = None) -> list[PublicEntry]:
    """The public entries among `ids`, in the order given (ids that are not public are left out)."""
    if not ids:
        return []
    today = today or timezone.localdate()
    alias = read_alias()  # the primary, or the replica this request reads (config.replicas)
    if connections[alias].vendor == "postgresql":
        compiled = _compiled.get(alias) or _compiled.setdefault(alias, _Compiled(alias))
        rows = compiled.rows(ids, today)
    else:  # elsewhere `__any` is an IN list whose length varies: let the ORM compile it each time
        fields = list(PUBLIC_COLUMNS.values())
        rows = [
            dict(zip(PUBLIC_COLUMNS, row, strict=True))
            for row in public_listings(today).filter(pk__in=ids).values_list(*fields)
        ]
    by_id = {row["id"]: row for row in rows}
    return [_entry(by_id[pk], today) for pk in ids if pk in by_id]


MAX_ID = 2**63 - 1  # a larger id (typed into a URL) is no entry, not a database error


def public_entry(entry_id: int) -> PublicEntry | None:
    """One public entry, or None if there is none, or it is not (or no longer) public: callers answer 404 alike."""
    if not 0 < entry_id <= MAX_ID:
        return None
    found = public_entries([entry_id])
    return found[0] if found else None


def decisions_to_sign(user, model: type[ListingDecision] | type[RestrictionOrder]) -> QuerySet:
    """Listing decisions or restriction orders waiting for this user's signature: proposed in a court where they
    are an approver, by someone else (four eyes). What the approver's dashboard counts and its link lists."""
    from enforcement import permissions
    from enforcement.permissions import Role

    court_path = "court" if model is ListingDecision else "case__court"
    proposed = model.objects.filter(status=model.Status.PROPOSED).exclude(proposed_by=user)
    if model is RestrictionOrder:
        proposed = proposed.filter(listing__isnull=True)  # an order proposed with a listing is signed with it
    courts = permissions.court_ids(user, Role.APPROVER)
    return proposed if courts is None else proposed.filter(**{f"{court_path}__in": courts})


def creditor_bar_until(*, creditor_id: int, debtor_id: int, on: datetime.date) -> datetime.date | None:
    """A creditor who had this debtor taken off the list by asking for the case's closing may not apply to list
    them again for 6 months: the day that bar ends, or None. Only a removal from the list counts (a case closed
    at the creditor's request while the debtor was never published bars nothing), and only the creditor's own
    application is barred, never the court's own motion (the caller asks only for an application)."""
    months = rules.get("creditor_removal_bar_months")
    last = (
        ListingDecision.objects.filter(
            case__creditor_id=creditor_id,
            case__debtor_id=debtor_id,
            case__state=CaseState.CLOSED,
            case__closed_reason=rules.ClosingReason.CREDITOR_REQUEST,
            case__closed_on__gt=on - relativedelta(months=months),
            status=ListingDecision.Status.REMOVED,
            published_at__isnull=False,
        )
        .order_by("-case__closed_on")
        .values_list("case__closed_on", flat=True)
        .first()
    )
    return last + relativedelta(months=months) if last else None


def removal_overdue(today: datetime.date | None = None) -> QuerySet[ListingDecision]:
    """Listings still in force more than `removal_deadline_working_days` (3) working days after the cause of
    their removal: the period over (the day after `expires_on`) or the case paid or closed. The public never
    sees them (`public_rows` drops them at once); this is the court's deadline, which the daily report checks."""
    today = today or timezone.localdate()
    deadline = rules.get("removal_deadline_working_days")
    latest_cause = today - datetime.timedelta(days=1)  # the latest day a cause could fall and be overdue today
    while workdays.add_working_days(latest_cause, deadline) >= today:
        latest_cause -= datetime.timedelta(days=1)
    return ListingDecision.objects.filter(status=ListingDecision.Status.IN_FORCE).filter(
        Q(expires_on__lt=latest_cause) | Q(case__state__in=[CaseState.PAID, CaseState.CLOSED])
    )
