"""The listings app's part of the case page's header (`enforcement.outlook`): pending signatures, the grace
period, the listing's end."""

from django.utils.translation import gettext_lazy as _

from enforcement.case_page import NextStep, registry
from enforcement.outlook import APPROVER, DEBTOR, SYSTEM
from listings.actions import sanctions
from listings.models import ListingDecision, RestrictionOrder


def _listing_steps(case) -> list[NextStep]:
    steps = []
    active = sanctions(case)  # read once per page, with the case page's buttons
    listing, order = active["listing"], active["order"]
    if listing and listing.status == ListingDecision.Status.PROPOSED:
        steps.append(
            NextStep(
                _("Listing decision proposed by %(who)s on %(day)s: awaiting an approver's signature.")
                % {
                    "who": listing.proposed_by.get_full_name() or listing.proposed_by,
                    "day": listing.proposed_at.date().isoformat(),
                },
                APPROVER,
                20,
            )
        )
    elif order and order.status == RestrictionOrder.Status.PROPOSED:
        steps.append(
            NextStep(
                _("Restriction order proposed by %(who)s on %(day)s: awaiting an approver's signature.")
                % {
                    "who": order.proposed_by.get_full_name() or order.proposed_by,
                    "day": order.proposed_at.date().isoformat(),
                },
                APPROVER,
                20,
            )
        )
    if listing and listing.status == ListingDecision.Status.IN_FORCE:
        if listing.published_at is None and listing.publish_on:
            steps.append(
                NextStep(
                    _(
                        "Grace period ends %(day)s: the entry is published on that day unless the debtor pays in "
                        "full first."
                    )
                    % {"day": listing.publish_on.isoformat()},
                    SYSTEM,
                    30,
                )
            )
        elif listing.expires_on:
            steps.append(
                NextStep(
                    _("On the public list until %(day)s, then taken off it.") % {"day": listing.expires_on.isoformat()},
                    SYSTEM,
                    40,
                )
            )
        else:
            steps.append(NextStep(_("On the public list until the debtor performs in full."), DEBTOR, 40))
    return steps


registry.next_steps(_listing_steps)
