"""manage.py intake_judgments FILE --court CODE --user NAME: take in a court's file of judgments.

Exit status: 0 every row taken in (or already present), 3 some rows rejected (listed), 1 nothing taken in
(the file, the court or the user is wrong).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from enforcement.errors import DomainError
from enforcement.models import Court, IntakeBatch
from enforcement.services.intake import judgments_intake

SOME_REJECTED = 3


class Command(BaseCommand):
    help = "Take in a CSV or JSON Lines file of judgments for one court (see enforcement/services/intake.py)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--court", required=True, help="the court's code, e.g. 京0101")
        parser.add_argument("--user", required=True, help="the username of a clerk of that court")
        parser.add_argument("--format", choices=IntakeBatch.Format.values, help="default: from the file name")
        parser.add_argument("--show", type=int, default=50, help="how many rejected rows to list (default 50)")

    def handle(self, *args, file: Path, court: str, user: str, format: str | None, show: int, **options):
        court_obj = Court.objects.filter(code=court).first()
        if court_obj is None:
            raise CommandError(f"There is no court with the code {court!r}.")
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"There is no active user {user!r}.")
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            with file.open("rb") as handle:
                batch = judgments_intake(
                    actor=actor, court_id=court_obj.pk, file=handle, filename=file.name, file_format=format
                )
        except DomainError as error:
            raise CommandError(f"{file}: nothing taken in. {error.message}") from None
        self.stdout.write(
            f"{file}: {batch.rows_total} rows; {batch.rows_created} cases opened, {batch.rows_present} already "
            f"taken in, {batch.rows_rejected} rejected; {batch.parties_created} parties registered; "
            f"{batch.seconds:.1f} s (intake #{batch.pk})."
        )
        for rejection in batch.rejections[:show]:
            column = f" [{rejection['field']}]" if rejection["field"] else ""
            self.stdout.write(f"  line {rejection['line']}{column}: {rejection['message']}")
        if len(batch.rejections) > show:
            self.stdout.write(f"  ... and {len(batch.rejections) - show} more (see the admin, intake #{batch.pk}).")
        if batch.rows_rejected:
            raise CommandError(f"{batch.rows_rejected} rows rejected.", returncode=SOME_REJECTED)
