"""How the list follows the case: when a case is paid or closed, its sanctions end in the same transaction;
when the set-wise sweep takes a listed case off the list at the end of its period, its listing expires."""

from django.db.models import Case, CharField, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from enforcement.models import CaseState, Court, EnforcementCase, Party
from enforcement.services.retention import ANONYMISED_PREFIX, anonymised_id_number
from enforcement.signals import (
    case_changed,
    case_transitioned,
    cases_transitioned,
    parties_anonymised,
    party_changed,
    responsible_person_added,
)
from listings import services
from listings.api.carriers import forget_carrier_keys
from listings.models import CarrierKey, FeedEvent, ListingDecision, RestrictionOrder
from listings.services.endings import listing_end_on_exclusion, listings_expire_many, sanctions_end_many
from listings.services.restriction_index import restriction_index_refresh
from listings.services.restrictions import feed_id_number_corrected


@receiver(case_transitioned, dispatch_uid="listings.sanctions_end")
def end_sanctions_when_case_ends(sender, *, case, transition, to_state, actor, reason, **kwargs) -> None:
    if to_state in (CaseState.PAID, CaseState.CLOSED):
        services.sanctions_end(case=case, actor=actor, cause=transition, reason=reason)


@receiver(cases_transitioned, dispatch_uid="listings.sanctions_end_many")
def follow_cases_moved_set_wise(sender, *, case_ids, transition, to_state, actor, reason, **kwargs) -> None:
    ids = case_ids
    if to_state in (CaseState.PAID, CaseState.CLOSED):
        sanctions_end_many(case_ids=ids, cause=transition, reason=reason, actor=actor)
    elif transition == "expire":
        listings_expire_many(case_ids=ids)


@receiver(case_changed, dispatch_uid="listings.ground_one_exclusions")
def end_listing_when_ground_one_no_longer_holds(sender, *, case, actor, **kwargs) -> None:
    listing_end_on_exclusion(case=case, actor=actor)


@receiver(party_changed, dispatch_uid="listings.search_keys")
def keep_search_keys_in_step(sender, *, party, previous_id_number=None, **kwargs) -> None:
    ListingDecision.objects.filter(case__debtor=party).update(
        debtor_name=party.name, debtor_id_number=party.id_number, debtor_kind=party.kind
    )
    if previous_id_number is not None and previous_id_number != party.id_number:
        feed_id_number_corrected(party=party, previous_id_number=previous_id_number)


@receiver(responsible_person_added, dispatch_uid="listings.bind_responsible_person")
def bind_new_responsible_person(sender, *, link, actor=None, **kwargs) -> None:
    services.restriction_orders_bind_person(organisation_id=link.organisation_id, link=link, actor=actor)


@receiver(parties_anonymised, dispatch_uid="listings.search_keys_anonymised")
def forget_search_keys(sender, *, party_ids, id_numbers=None, **kwargs) -> None:
    """A batch of people past retention (see `enforcement.services.retention`): their listings' search keys take
    the erased party's values, and the change feed's copies of their ID numbers become the same token, so a
    carrier replaying the feed still sees each person's events pair up. Set-wise: one UPDATE per table.

    Feed events name a person by number only: those with a number just erased (`id_numbers`, {party id: number}),
    and every event of a case whose debtor is one of them (which also catches a number corrected long ago)."""
    debtor = Party.objects.filter(cases_as_debtor=OuterRef("case_id"))
    ListingDecision.objects.filter(case__debtor_id__any=party_ids).update(
        debtor_name=Subquery(debtor.values("name")[:1]), debtor_id_number=Subquery(debtor.values("id_number")[:1])
    )
    numbers = {number: anonymised_id_number(pk) for pk, number in (id_numbers or {}).items() if number}
    of_their_cases = EnforcementCase.objects.filter(
        court_id=OuterRef("court_id"), case_number=OuterRef("case_number"), debtor_id__any=party_ids
    )
    debtor_token = Concat(Value(ANONYMISED_PREFIX), Cast(Subquery(of_their_cases.values("debtor_id")[:1]), CharField()))
    by_number = Case(*(When(id_number=number, then=Value(token)) for number, token in numbers.items()), default=None)
    FeedEvent.objects.filter(Q(id_number__any=list(numbers)) | Exists(of_their_cases)).update(
        id_number=Coalesce(by_number, debtor_token) if numbers else debtor_token
    )


@receiver([post_save, post_delete], sender=CarrierKey, dispatch_uid="listings.forget_carrier_keys")
def forget_verified_keys(sender, **kwargs) -> None:
    """A key revoked, expired or changed in the admin is refused at once by this process (by the others within
    CARRIER_KEY_CACHE_SECONDS: see `listings.api.carriers.carrier_of`)."""
    forget_carrier_keys()


@receiver(post_save, sender=Court, dispatch_uid="listings.restriction_index_court_renamed")
def rename_court_in_restriction_index(sender, *, instance, created, **kwargs) -> None:
    """Checks name the court as the index holds it: a court's orders in force are rewritten when it is saved."""
    if not created:
        orders = RestrictionOrder.objects.filter(case__court=instance, status=RestrictionOrder.Status.IN_FORCE)
        restriction_index_refresh(order_ids=list(orders.values_list("pk", flat=True)))
