"""Parties and the responsible persons of organisations."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from enforcement import identity, permissions, services
from enforcement.access import log_access
from enforcement.api import serializers as s
from enforcement.api.common import CourtAPIView, refusals
from enforcement.api.scope import visible_party
from enforcement.errors import Forbidden
from enforcement.models import AccessLogEntry, Party
from enforcement.permissions import Role


class PartyCollection(CourtAPIView):
    @extend_schema(
        operation_id="parties_create",
        request=s.PartyIn,
        responses={201: s.PartyOut, **refusals(400)},
        summary="Register a party",
        description="A natural person (resident ID, passport, other document) or an organisation (USCC). "
        "The number is checked against its checksum; a resident ID fills in the birth date and sex.",
    )
    def post(self, request):
        data = s.PartyIn(data=request.data)
        data.is_valid(raise_exception=True)
        party = services.party_create(actor=request.user, **data.validated_data)
        return Response(s.PartyOut(party).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="parties_lookup",
        parameters=[OpenApiParameter("id_number", str, required=True, description="The full ID number or USCC.")],
        responses={200: s.PartyBrief(many=True), **refusals(400)},
        summary="Find parties by their exact ID number",
        description="Identity is the number, never the name: a party registered by any court is found by its "
        "full number (as in the admin), so that a court reuses it instead of registering it twice. The answer "
        "is the party's id, kind and name only; its other details are read through a case of the user's courts. "
        "Every lookup that finds a party is recorded in the access log.",
    )
    def get(self, request):
        number = identity.normalise_id_number(s.query_param(request, "id_number"))
        if not number:
            raise ValidationError({"id_number": [_("Give the full ID number to look up.")]})
        parties = list(Party.objects.filter(id_number=number).order_by("id"))
        for party in parties:
            log_access(request, what=AccessLogEntry.What.PARTY, object_id=party.pk, label="lookup by ID number")
        return Response(s.PartyBrief(parties, many=True).data)


class PartyDetail(CourtAPIView):
    @extend_schema(operation_id="parties_retrieve", responses={200: s.PartyOut, **refusals(404)}, summary="A party")
    def get(self, request, party_id: int):
        party = visible_party(request.user, party_id)
        log_access(request, what=AccessLogEntry.What.PARTY, object_id=party.pk)  # the id, never the name
        return Response(s.PartyOut(party).data)


class ResponsiblePersons(CourtAPIView):
    @extend_schema(
        operation_id="parties_responsible_persons_list",
        responses={200: s.ResponsiblePersonOut(many=True), **refusals(404)},
        summary="An organisation's responsible persons",
    )
    def get(self, request, party_id: int):
        party = visible_party(request.user, party_id)
        links = party.responsible_persons.select_related("person").order_by("id")
        return Response(s.ResponsiblePersonOut(links, many=True).data)

    @extend_schema(
        operation_id="parties_responsible_persons_add",
        request=s.ResponsiblePersonIn,
        responses={201: s.ResponsiblePersonOut, **refusals(400, 404)},
        summary="Add a responsible person to an organisation",
        description="Legal representative, principal person in charge, person directly responsible or actual "
        "controller: bound by the organisation's restriction orders, never listed for it.",
    )
    def post(self, request, party_id: int):
        party = visible_party(request.user, party_id)
        if permissions.court_ids(request.user, Role.CLERK) == set():
            raise Forbidden(_("Only a clerk may change an organisation's responsible persons."))
        data = s.ResponsiblePersonIn(data=request.data)
        data.is_valid(raise_exception=True)
        if party.kind != Party.Kind.ORGANISATION:
            raise ValidationError({"organisation": [_("Only an organisation has responsible persons.")]})
        link = services.responsible_person_add(
            actor=request.user,
            organisation_id=party.pk,
            person_id=data.validated_data["person"],
            role=data.validated_data["role"],
        )
        return Response(s.ResponsiblePersonOut(link).data, status=status.HTTP_201_CREATED)
