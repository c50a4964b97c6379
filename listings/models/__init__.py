"""The listings app's data: the court's sanctions (`decisions`), the carriers' keys and their checks
(`carriers`), and the change feed carriers mirror (`feed`)."""

from listings.models.carriers import CarrierCheck, CarrierKey
from listings.models.decisions import (
    PUBLIC,
    DecisionRecord,
    ListingDecision,
    RestrictionOrder,
    RestrictionSubject,
    TemporaryLift,
)
from listings.models.feed import FeedEvent

__all__ = [
    "PUBLIC",
    "CarrierCheck",
    "CarrierKey",
    "DecisionRecord",
    "FeedEvent",
    "ListingDecision",
    "RestrictionOrder",
    "RestrictionSubject",
    "TemporaryLift",
]
