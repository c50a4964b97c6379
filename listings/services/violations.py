"""The daily report of the list's invariants broken (`listings.invariants`): each court's staff get one e-mail
listing the violations of their court, once per set of violations (the outbox key is the set it reports: the
same violations the next day send nothing; a change sends the new set)."""

import hashlib
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from enforcement.selectors import staff_emails_by_court
from enforcement.services import outbox_email
from listings.invariants import Violation, list_violations

# An e-mail names at most this many violations of one rule; the admin page lists them all.
MAX_LINES_PER_RULE = 50


def violations_report(*, today=None) -> dict[str, int]:
    """Find every violation and mail each court's staff theirs. Returns the counts (violations, courts, e-mails)."""
    today = today or timezone.localdate()
    violations = list_violations(today=today)
    by_court: dict[int, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_court[violation.court_id].append(violation)
    counts = {"violations": len(violations), "courts": len(by_court), "emails": 0}
    recipients = staff_emails_by_court(by_court)
    with transaction.atomic():
        for court_id, found in sorted(by_court.items()):
            if recipients.get(court_id):
                counts["emails"] += _tell_staff(court_id, found, recipients[court_id], today)
    return counts


def _tell_staff(court_id: int, violations: list[Violation], to: list[str], today) -> int:
    digest = hashlib.sha256("|".join(sorted(v.key for v in violations)).encode()).hexdigest()[:16]
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_rule[violation.invariant.name].append(violation)
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "%(n)d breach of the list's rules in %(court)s",
            "%(n)d breaches of the list's rules in %(court)s",
            len(violations),
        ) % {"n": len(violations), "court": violations[0].court_name}
        lines = [
            _("The daily check of the list found these breaches of its rules in your court (as of %(d)s):")
            % {"d": today.isoformat()},
        ]
        for found in by_rule.values():
            lines += ["", str(found[0].invariant.description)]
            lines += [
                _("- case %(case)s, %(record)s") % {"case": v.case_number, "record": v.record_label}
                for v in found[:MAX_LINES_PER_RULE]
            ]
            if len(found) > MAX_LINES_PER_RULE:
                lines.append(_("... and %(n)d more.") % {"n": len(found) - MAX_LINES_PER_RULE})
        lines += [
            "",
            _(
                "Each of them is listed, with a link to its case, under “Breaches of the list's rules” in the court "
                "administration. The check runs every day; you are told again when the breaches change."
            ),
        ]
    message = outbox_email(to=to, subject=subject, body="\n".join(lines), key=f"list-violations:{court_id}:{digest}")
    return 1 if message is not None else 0
