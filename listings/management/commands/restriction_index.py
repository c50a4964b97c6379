"""Check or rebuild the carriers' restriction index against the orders, bound persons and lifts it summarises.

    manage.py restriction_index --check     # exit 1 and list the orders whose entries drifted
    manage.py restriction_index --rebuild   # rewrite it from the rows (one transaction), then check

The daily report of the list's rules (`report_list_violations`) reports drift too; this is the operator's tool
to look and repair, and how a data set loaded without the services (bench/generate.py) gets its index.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from listings.invariants import restriction_index_drift
from listings.models import RestrictionIndexEntry
from listings.services.restriction_index import restriction_index_rebuild

SHOWN = 20


class Command(BaseCommand):
    help = "Check (--check) or rebuild (--rebuild) the restriction index carriers' checks read."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="report the orders whose entries drifted")
        action.add_argument("--rebuild", action="store_true", help="rewrite the index from the rows, then check")

    def handle(self, *args, check: bool, rebuild: bool, **options):
        if rebuild:
            entries = restriction_index_rebuild()
            self.stdout.write(f"Rebuilt the restriction index: {entries:,} entries.")
        drifted = list(
            restriction_index_drift(timezone.localdate())
            .order_by("pk")
            .values_list("pk", "order_number", "case__case_number")
        )
        if drifted:
            for pk, number, case_number in drifted[:SHOWN]:
                self.stderr.write(f"  order #{pk} {number or '(no number)'} of case {case_number}")
            raise CommandError(
                f"The restriction index differs from the rows of {len(drifted):,} order(s)"
                f"{f' (first {SHOWN} above)' if len(drifted) > SHOWN else ''}: run with --rebuild to repair."
            )
        self.stdout.write(
            f"The restriction index agrees with the orders in force: {RestrictionIndexEntry.objects.count():,} entries."
        )
