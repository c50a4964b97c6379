"""Retention in the appeals app: when the enforcement app erases the personal data of people whose every case
closed past the retention period (`parties_anonymised`), their requests lose what the debtor wrote and how to
reach them, their evidence files leave the disk, and the e-mails written to them leave the outbox.

The request rows stay (kind, state, dates and deadlines: the statistics of requests and of the court's delays);
the statement, the reconsideration statement, the contact e-mail and phone go. A request must name a way to
reach the debtor (`request_has_contact`), so the phone becomes a placeholder. The evidence rows go with their
files; the files are deleted only once the transaction has committed, so a rolled-back run loses nothing.
"""

from django.db import transaction
from django.dispatch import receiver

from appeals import evidence
from appeals.models import EvidenceFile, RemovalRequest
from enforcement.services.outbox import outbox_erase_addressed_to
from enforcement.signals import parties_anonymised

ERASED_TEXT = "(erased: retention period over)"
ERASED_CONTACT = "(erased)"


@receiver(parties_anonymised, dispatch_uid="appeals.retention")
def erase_requests_of_anonymised_parties(sender, *, party_ids, **kwargs) -> None:
    """Erase, set-wise, what the requests about these people's cases hold about them (see the module)."""
    requests = RemovalRequest.objects.filter(case__debtor_id__any=party_ids)
    found = list(requests.values_list("pk", "contact_email"))
    if not found:
        return
    request_ids = [pk for pk, _email in found]
    files = EvidenceFile.objects.filter(request_id__any=request_ids)
    stored = list(files.values_list("stored_name", flat=True))
    files.delete()
    RemovalRequest.objects.filter(pk__any=request_ids).update(
        statement=ERASED_TEXT,
        reconsideration_statement="",
        contact_email="",
        contact_phone=ERASED_CONTACT,
    )
    outbox_erase_addressed_to(
        addresses=[email for _pk, email in found if email],
        key_prefixes=[f"appeals:{pk}:" for pk in request_ids],
    )
    if stored:
        transaction.on_commit(lambda: evidence.discard(stored))
