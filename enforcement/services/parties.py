"""Parties and the responsible persons of organisations."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enforcement import permissions
from enforcement.errors import Forbidden, InvalidInput
from enforcement.models import (
    Party,
    ResponsiblePerson,
)
from enforcement.permissions import Role
from enforcement.services.core import _validated
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


def party_update(*, actor, party_id: int, **changes) -> Party:
    """Correct a party's data. A corrected ID number reaches the carriers too (see `party_changed`)."""
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party_id)
        previous_id_number = party.id_number
        for field, value in changes.items():
            setattr(party, field, value)
        _validated(party)
        try:
            with transaction.atomic():
                party.save()
        except IntegrityError:
            raise InvalidInput(_("A party with this ID number is already registered."), field="id_number") from None
        party_changed.send(sender=Party, party=party, previous_id_number=previous_id_number)
    return party


def responsible_person_add(*, actor, organisation_id: int, person_id: int, role: str) -> ResponsiblePerson:
    """Name a responsible person of an organisation; the organisation's restriction orders in force bind them
    from now on (see `responsible_person_added`)."""
    link = ResponsiblePerson(organisation_id=organisation_id, person_id=person_id, role=role)
    _validated(link)
    with transaction.atomic():
        link.save()
        responsible_person_added.send(sender=ResponsiblePerson, link=link, actor=actor)
    return link


def responsible_person_remove(*, actor, link_id: int) -> None:
    ResponsiblePerson.objects.filter(pk=link_id).delete()
