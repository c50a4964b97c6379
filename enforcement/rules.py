"""The legal rules and deadlines of ../shared/DESIGN.md: their values live here and nowhere else.

Settings may override any value: `ENFORCEMENT_RULES = {"listing_base_period_years": 3}` (or the environment
variable of the same name holding JSON). Code reads `rules.get("name")`, never a literal.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULTS = {
    # Listing periods: ground (1) alone lasts until performance; any of grounds (2)-(6): this many years ...
    "listing_base_period_years": 2,
    # ... extendable by 1 to this many years for serious violence or repeated acts.
    "listing_max_extension_years": 3,
    # Optional grace period between the decision and publication, in whole months.
    "listing_max_grace_months": 3,
    # A creditor-requested removal bars that creditor's new listing application against the debtor this long.
    "creditor_removal_bar_months": 6,
    # Removal, revocation and correction must happen within this many working days of their cause.
    "removal_deadline_working_days": 3,
    # Correction requests: reviewed within 15 days; reconsideration asked within 10 days, decided within 15.
    "correction_review_days": 15,
    "correction_effect_working_days": 3,
    "reconsideration_window_days": 10,
    "reconsideration_decision_days": 15,
    # A temporary lift of a travel restriction lasts at most this long.
    "temporary_lift_max_days": 31,
    # ... and starts at most this many days ahead (a lift is asked for a known trip, not for years to come).
    "temporary_lift_max_lead_days": 90,
    # Natural persons under this age are never listed.
    "age_of_majority": 18,
    # Personal data of a natural person whose every case closed longer ago than this is anonymised.
    "retention_years": 5,
}


def get(name: str):
    overrides = getattr(settings, "ENFORCEMENT_RULES", {}) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]


class Ground(models.IntegerChoices):
    """Grounds for listing (SPC Provisions on Publishing the List of Dishonest Judgment Debtors, Art. 1)."""

    ABLE_BUT_REFUSES = 1, _("(1) Able to perform but refuses to")
    OBSTRUCTS = 2, _("(2) Obstructs enforcement by forged evidence, violence or threats")
    EVADES = (
        3,
        _("(3) Evades enforcement by sham litigation or arbitration, or by hiding or transferring assets"),
    )
    ASSET_REPORTING = 4, _("(4) Breaches the duty to report assets")
    BREACHES_RESTRICTION = 5, _("(5) Breaches a consumption restriction order")
    REFUSES_SETTLEMENT = 6, _("(6) Refuses without good reason to perform a settlement agreement")


class RestrictionCategory(models.TextChoices):
    """What a restricted debtor may not buy (SPC Provisions on Restricting High Consumption, Art. 3)."""

    AIR_TRAVEL = "air_travel", _("Air travel")
    RAIL_SOFT_SLEEPER = "rail_soft_sleeper", _("Soft sleeper on trains")
    RAIL_HIGH_SPEED = "rail_high_speed", _("Every seat on G-trains; first class on other high-speed trains")
    SHIP_UPPER_CLASS = "ship_upper_class", _("Class 2 and above on ships")
    STAR_HOTEL = "star_hotel", _("Star-rated hotels")
    NIGHTCLUB_GOLF = "nightclub_golf", _("Nightclubs and golf courses")
    REAL_ESTATE = "real_estate", _("Buying property, building or luxury renovation")
    OFFICE_LEASE = "office_lease", _("Renting high-end offices")
    VEHICLE_PURCHASE = "vehicle_purchase", _("Buying non-essential vehicles")
    TOURISM = "tourism", _("Tourism and holidays")
    PRIVATE_SCHOOL = "private_school", _("Children at high-fee private schools")
    HIGH_PREMIUM_INSURANCE = "high_premium_insurance", _("High-premium insurance and wealth products")


TRAVEL_CATEGORIES = frozenset(
    {
        RestrictionCategory.AIR_TRAVEL,
        RestrictionCategory.RAIL_SOFT_SLEEPER,
        RestrictionCategory.RAIL_HIGH_SPEED,
        RestrictionCategory.SHIP_UPPER_CLASS,
    }
)


class ClosingReason(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("Paid in full")
    SETTLEMENT_PERFORMED = "settlement_performed", _("Settlement agreement performed")
    CREDITOR_REQUEST = "creditor_request", _("Creditor's request")
    ENFORCEMENT_TERMINATED = "enforcement_terminated", _("Enforcement terminated")
    NOT_TO_ENFORCE = "not_to_enforce", _("Ruling not to enforce")
    JUDGMENT_SET_ASIDE = "judgment_set_aside", _("Judgment set aside")
    NO_ASSETS = "no_assets", _("No assets found after two searches")
    SUSPENDED = "suspended", _("Suspended for retrial or bankruptcy")
    LISTED_IN_ERROR = "listed_in_error", _("Listed in error")


#: Reasons that close a case from `paid`; every other reason closes it from an unpaid state.
PAYMENT_REASONS = frozenset({ClosingReason.PAID_IN_FULL, ClosingReason.SETTLEMENT_PERFORMED})


class LiftReason(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("Paid in full")
    SETTLEMENT_PERFORMED = "settlement_performed", _("Settlement agreement performed")
    SECURITY_GIVEN = "security_given", _("Security given")
    CREDITOR_CONSENT = "creditor_consent", _("Creditor's consent")
    CASE_CLOSED = "case_closed", _("Case closed")
    LISTED_IN_ERROR = "listed_in_error", _("Issued with a listing made in error")


# The legal basis written on each audit row unless the clerk gives a more precise one.
LISTING_PROVISIONS = _("SPC Provisions on Publishing the List of Dishonest Judgment Debtors (2017)")
RESTRICTION_PROVISIONS = _("SPC Provisions on Restricting High Consumption of Judgment Debtors (2015)")
CIVIL_PROCEDURE_LAW = _("Civil Procedure Law of the PRC")

LEGAL_BASIS = {
    "open": CIVIL_PROCEDURE_LAW,
    "update": CIVIL_PROCEDURE_LAW,
    "notice_record": CIVIL_PROCEDURE_LAW,
    "payment_record": CIVIL_PROCEDURE_LAW,
    "declare_default": CIVIL_PROCEDURE_LAW,
    "pay_in_full": CIVIL_PROCEDURE_LAW,
    "settle": CIVIL_PROCEDURE_LAW,
    "remove": LISTING_PROVISIONS,
    "restrict": RESTRICTION_PROVISIONS,
    "lift": RESTRICTION_PROVISIONS,
    "list_debtor": LISTING_PROVISIONS,
    "expire": LISTING_PROVISIONS,
    "revoke": LISTING_PROVISIONS,
    "delist": LISTING_PROVISIONS,
    "listing_approve": LISTING_PROVISIONS,
    "listing_expire": LISTING_PROVISIONS,
    "listing_revoke": LISTING_PROVISIONS,
    "listing_lapse": LISTING_PROVISIONS,
    "restriction_order_approve": RESTRICTION_PROVISIONS,
    "restriction_order_lapse": RESTRICTION_PROVISIONS,
    "listing_propose": LISTING_PROVISIONS,
    "listing_reject": LISTING_PROVISIONS,
    "listing_publish": LISTING_PROVISIONS,
    "listing_remove": LISTING_PROVISIONS,
    "restriction_order_propose": RESTRICTION_PROVISIONS,
    "restriction_order_reject": RESTRICTION_PROVISIONS,
    "restriction_order_lift": RESTRICTION_PROVISIONS,
    "temporary_lift_grant": RESTRICTION_PROVISIONS,
}
