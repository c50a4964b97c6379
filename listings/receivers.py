"""How the list follows the case: when a case is paid or closed, its sanctions end in the same transaction;
when the set-wise sweep takes a listed case off the list at the end of its period, its listing expires."""

from django.dispatch import receiver

from enforcement.models import CaseState, Party
from enforcement.signals import (
    case_transitioned,
    cases_transitioned,
    parties_anonymised,
    party_changed,
    responsible_person_added,
)
from listings import services
from listings.models import ListingDecision
from listings.services.endings import listings_expire_many, sanctions_end_many
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
def forget_search_keys(sender, *, party_ids, **kwargs) -> None:
    for party in Party.objects.filter(pk__any=party_ids).only("pk", "name", "id_number", "kind"):
        keep_search_keys_in_step(sender, party=party)
