"""Carrier checks answered by a replica while the primary was down, waiting in this machine's spool.

    manage.py check_spool           # how many files wait, since when
    manage.py check_spool --flush   # record them on the primary now (exactly once); exit 1 if it is still down

Each web process flushes its own machine's spool once the primary answers, and so does the `check_spool_flush`
task every minute; this is the operator's tool to look, and to flush before retiring a machine.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from listings.services.check_records import check_spool_flush, spool_status


class Command(BaseCommand):
    help = "Show (or --flush) the carrier checks spooled on this machine while the primary database was down."

    def add_arguments(self, parser):
        parser.add_argument("--flush", action="store_true", help="record the spooled checks on the primary now")

    def handle(self, *args, flush: bool, **options):
        if flush:
            try:
                recorded = check_spool_flush()
            except (OperationalError, InterfaceError) as exc:
                raise CommandError(
                    f"The primary database does not answer ({type(exc).__name__}); the spooled checks stay in "
                    f"{settings.CHECK_SPOOL_DIR}. Try again once it is back."
                ) from exc
            self.stdout.write(f"Recorded {recorded:,} spooled check(s) on the primary.")
        waiting = spool_status()
        if waiting["files"]:
            self.stdout.write(
                f"{waiting['files']:,} file(s) of checks wait in {settings.CHECK_SPOOL_DIR}, the oldest from "
                f"{waiting['oldest']}."
            )
        else:
            self.stdout.write(f"No checks wait in {settings.CHECK_SPOOL_DIR}.")
