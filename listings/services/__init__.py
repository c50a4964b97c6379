"""Restriction orders and listing decisions: propose, sign (four eyes), refuse, publish, expire, revoke, lift.

Every function locks the case first (`enforcement.services.case_lock`), then the decision rows, so two clerks
acting on one case queue in the same order. Case state changes go through `enforcement.services.case_transition`.
"""

from listings.services.common import LISTABLE_STATES, listing_period_years, listing_refusals
from listings.services.decisions import (
    listing_approve,
    listing_expire,
    listing_propose,
    listing_propose_refusal,
    listing_publish_due,
    listing_reject,
    listing_revoke,
)
from listings.services.endings import sanctions_end, sanctions_end_on_security
from listings.services.restrictions import (
    restriction_order_approve,
    restriction_order_lift,
    restriction_order_propose,
    restriction_order_reject,
    restriction_orders_bind_person,
    restriction_propose_refusal,
)
from listings.services.temporary_lifts import temporary_lift_grant

__all__ = [
    "LISTABLE_STATES",
    "listing_approve",
    "listing_expire",
    "listing_period_years",
    "listing_propose",
    "listing_propose_refusal",
    "listing_publish_due",
    "listing_refusals",
    "listing_reject",
    "listing_revoke",
    "restriction_order_approve",
    "restriction_order_lift",
    "restriction_order_propose",
    "restriction_order_reject",
    "restriction_orders_bind_person",
    "restriction_propose_refusal",
    "sanctions_end",
    "sanctions_end_on_security",
    "temporary_lift_grant",
]
