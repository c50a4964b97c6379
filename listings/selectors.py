"""What the public may see: the one rule, for pages, API and exports alike (../shared/DESIGN.md).

An entry is public while its listing decision is in force and published (its grace period over) and the case is
still `listed`. A public surface never reads the models directly: it asks `public_listings()` for the rows and
turns each into a `PublicEntry`, which holds every field the public may see and nothing else: the ID number of a
natural person only masked, never an address, contact detail, piece of evidence or internal note.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from enforcement import identity
from enforcement.models import CaseState, Party, ResponsiblePerson
from enforcement.rules import Ground, RestrictionCategory
from listings.models import ListingDecision, RestrictionOrder


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


def public_listings() -> QuerySet[ListingDecision]:
    """The listing decisions the public may see, with what `to_public_entry` needs joined in (no N+1)."""
    legal_representative = ResponsiblePerson.objects.filter(
        organisation=OuterRef("case__debtor"), role=ResponsiblePerson.Role.LEGAL_REPRESENTATIVE
    ).order_by("id")
    order_categories = RestrictionOrder.objects.filter(
        case=OuterRef("case"), status=RestrictionOrder.Status.IN_FORCE
    ).order_by("-id")
    return (
        ListingDecision.objects.filter(
            status=ListingDecision.Status.IN_FORCE,
            published_at__isnull=False,
            case__state=CaseState.LISTED,
        )
        .select_related("case", "case__court", "case__debtor")
        .annotate(
            legal_representative_name=Subquery(legal_representative.values("person__name")[:1]),
            restricted=Subquery(order_categories.values("categories")[:1]),
        )
    )


def to_public_entry(decision: ListingDecision, *, today: datetime.date | None = None) -> PublicEntry:
    """The public view of one row of `public_listings()`."""
    case = decision.case
    debtor = case.debtor
    person = debtor.kind == Party.Kind.PERSON
    today = today or timezone.localdate()
    restricted = getattr(decision, "restricted", None) or frozenset()
    return PublicEntry(
        id=decision.pk,
        kind=debtor.kind,
        name=debtor.name,
        sex=debtor.sex if person else "",
        age=identity.age_on(debtor.birth_date, today) if person and debtor.birth_date else None,
        id_number_masked=identity.mask_id_number(debtor.id_number) if person else debtor.id_number,
        legal_representative="" if person else (getattr(decision, "legal_representative_name", None) or ""),
        court_id=case.court_id,
        court_name=case.court.name,
        court_name_en=case.court.name_en,
        province=case.court.province,
        case_number=case.case_number,
        filed_on=case.filed_on,
        basis_issuer=case.basis_issuer,
        basis_number=case.basis_number,
        obligation=case.obligation,
        currency=case.currency,
        amount_due=case.amount_due,
        amount_performed=case.amount_paid,
        amount_unperformed=case.balance,
        grounds=tuple(sorted(int(g) for g in decision.grounds)),
        published_on=timezone.localdate(decision.published_at),
        restricted_categories=tuple(c.value for c in RestrictionCategory if c in restricted),
    )


def public_entry(entry_id: int) -> PublicEntry | None:
    """One public entry, or None if there is none, or it is not (or no longer) public: callers answer 404 alike."""
    decision = public_listings().filter(pk=entry_id).first()
    return to_public_entry(decision) if decision else None
