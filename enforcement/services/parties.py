"""Parties and the responsible persons of organisations."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from enforcement import permissions
from enforcement.errors import Forbidden, InvalidInput
from enforcement.identity import mask_id_number
from enforcement.models import (
    EnforcementCase,
    Party,
    ResponsiblePerson,
)
from enforcement.permissions import Role
from enforcement.services.core import _validated, audit_write
from enforcement.signals import party_changed, responsible_person_added

# --- parties -----------------------------------------------------------------------------------------------------


def party_create(*, actor, kind: str, name: str, id_type: str, id_number: str, **details) -> Party:
    """Register a party; the ID number is validated and a resident ID fills in birth date and sex."""
    if actor is not None and permissions.court_ids(actor, Role.CLERK) == set():
        raise Forbidden(_("Only a clerk may register parties."))
    party = Party(kind=kind, name=name.strip(), id_type=id_type, id_number=id_number, **details)
    _validated(party)
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise InvalidInput(_("A party with this ID number is already registered."), field="id_number") from None
    return party


def _require_party_clerk(actor, party_id: int) -> None:
    """A clerk (or approver) of a court that has a case of this party, or of any court for a party with none."""
    from enforcement.selectors import parties_visible_to

    if actor is None:
        return
    if (
        not parties_visible_to(actor).filter(pk=party_id).exists()
        or permissions.court_ids(actor, Role.CLERK, Role.APPROVER) == set()
    ):
        raise Forbidden(_("Only a clerk of a court with a case of this party may change it."))


def _audit_party(party_id: int, *, actor, action: str, reason: str = "", detail: dict) -> None:
    """The party's change on the audit trail of each of its cases (as debtor or creditor, or as an organisation
    whose responsible persons changed): the trail of a case says who changed what it rests on."""
    for case in EnforcementCase.objects.filter(Q(debtor_id=party_id) | Q(creditor_id=party_id)).only("pk"):
        audit_write(case=case, actor=actor, action=action, reason=reason, detail=detail)


def _shown(field: str, value) -> str:
    # The audit trail outlives retention's erasure of a person: it keeps a masked ID number, never the full one.
    return mask_id_number(str(value)) if field == "id_number" and value else str(value)


def party_update(*, actor, party_id: int, reason: str = "", **changes) -> Party:
    """Correct a party's data, audited on its cases. A corrected ID number reaches the carriers too (see
    `party_changed`)."""
    with transaction.atomic():
        _require_party_clerk(actor, party_id)
        party = Party.objects.select_for_update().get(pk=party_id)
        previous_id_number = party.id_number
        changed = {}
        for field, value in changes.items():
            if getattr(party, field) != value:
                changed[field] = {"from": _shown(field, getattr(party, field)), "to": _shown(field, value)}
            setattr(party, field, value)
        _validated(party)
        try:
            with transaction.atomic():
                party.save()
        except IntegrityError:
            raise InvalidInput(_("A party with this ID number is already registered."), field="id_number") from None
        if changed:
            _audit_party(party.pk, actor=actor, action="party_update", reason=reason, detail={"changed": changed})
        party_changed.send(sender=Party, party=party, previous_id_number=previous_id_number)
    return party


def responsible_person_add(*, actor, organisation_id: int, person_id: int, role: str) -> ResponsiblePerson:
    """Name a responsible person of an organisation; the organisation's restriction orders in force bind them
    from now on (see `responsible_person_added`)."""
    link = ResponsiblePerson(organisation_id=organisation_id, person_id=person_id, role=role)
    _validated(link)
    with transaction.atomic():
        _require_party_clerk(actor, organisation_id)
        link.save()
        _audit_party(
            organisation_id,
            actor=actor,
            action="responsible_person_add",
            detail={"party_id": person_id, "role": role},
        )
        responsible_person_added.send(sender=ResponsiblePerson, link=link, actor=actor)
    return link


def responsible_person_remove(*, actor, link_id: int) -> None:
    """No longer a responsible person of the organisation. Orders already binding them stay as signed."""
    with transaction.atomic():
        link = ResponsiblePerson.objects.select_for_update().filter(pk=link_id).first()
        if link is None:
            return
        _require_party_clerk(actor, link.organisation_id)
        link.delete()
        _audit_party(
            link.organisation_id,
            actor=actor,
            action="responsible_person_remove",
            detail={"party_id": link.person_id, "role": link.role},
        )
