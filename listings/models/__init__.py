"""The listings app's data: the court's sanctions (`decisions`), the carriers' keys and their checks
(`carriers`), the change feed carriers mirror (`feed`), the budget of full-number lookups (`probes`), the index
carriers' checks read (`restriction_index`), and the admin page of the list's rules broken (`breaches`, no table)."""

from listings.models.breaches import ListRuleBreach
from listings.models.carriers import CarrierCheck, CarrierKey, SpooledCheckBatch
from listings.models.decisions import (
    PUBLIC,
    DecisionRecord,
    ListingDecision,
    RestrictionOrder,
    RestrictionSubject,
    TemporaryLift,
)
from listings.models.feed import FeedEvent
from listings.models.probes import ProbeBudget
from listings.models.restriction_index import RestrictionIndexEntry

__all__ = [
    "PUBLIC",
    "CarrierCheck",
    "CarrierKey",
    "DecisionRecord",
    "FeedEvent",
    "ListRuleBreach",
    "ListingDecision",
    "ProbeBudget",
    "RestrictionIndexEntry",
    "RestrictionOrder",
    "RestrictionSubject",
    "SpooledCheckBatch",
    "TemporaryLift",
]
