"""Cases: open, list, read, the audit trail, and one endpoint per transition."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from enforcement import services
from enforcement.access import log_access
from enforcement.api import serializers as s
from enforcement.api.common import CourtAPIView, KeysetPagination, refusals
from enforcement.api.scope import IsCourtStaff, visible_case
from enforcement.models import AccessLogEntry, CaseState, EnforcementCase
from enforcement.selectors import case_audit_trail, cases_visible_to


def case_out(case_id: int) -> dict:
    """The case as it is now (after a service changed it), with what the output shows."""
    case = EnforcementCase.objects.select_related("court", "creditor", "debtor").get(pk=case_id)
    return s.CaseOut(case).data


class CaseCollection(GenericAPIView):
    permission_classes = [IsCourtStaff]
    pagination_class = KeysetPagination
    serializer_class = s.CaseOut

    def get_queryset(self):
        cases = cases_visible_to(self.request.user).select_related("court", "creditor", "debtor")
        state = s.query_param(self.request, "state")
        if state:
            if state not in CaseState.values:
                raise ValidationError({"state": [_("Choose one of: %(s)s.") % {"s": ", ".join(CaseState.values)}]})
            cases = cases.filter(state=state)
        court = s.query_param(self.request, "court")
        if court:
            cases = cases.filter(court__code=court)
        return cases

    @extend_schema(
        operation_id="cases_list",
        parameters=[
            OpenApiParameter("state", str, enum=CaseState.values, description="Only cases in this state."),
            OpenApiParameter("court", str, description="Only this court's cases (its code)."),
        ],
        responses={200: s.CaseOut(many=True), **refusals(400, 404)},
        summary="The cases of your courts, newest first (cursor pages)",
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.CaseOut(page, many=True).data)

    @extend_schema(
        operation_id="cases_create",
        request=s.CaseIn,
        responses={201: s.CaseOut, **refusals(400)},
        summary="Open an enforcement case (state `judgment`)",
    )
    def post(self, request):
        data = s.CaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = services.case_open(
            actor=request.user,
            court_id=values.pop("court").pk,
            creditor_id=values.pop("creditor"),
            debtor_id=values.pop("debtor"),
            **values,
        )
        return Response(case_out(case.pk), status=status.HTTP_201_CREATED)


class CaseDetail(CourtAPIView):
    @extend_schema(operation_id="cases_retrieve", responses={200: s.CaseOut, **refusals(404)}, summary="A case")
    def get(self, request, case_id: int):
        case = visible_case(request.user, case_id)
        log_access(request, what=AccessLogEntry.What.CASE, object_id=case.pk, label=case.case_number)
        return Response(case_out(case.pk))


class CaseAudit(CourtAPIView):
    @extend_schema(
        operation_id="cases_audit",
        responses={200: s.AuditEntryOut(many=True), **refusals(404)},
        summary="The case's audit trail, oldest first",
        description="Who did what and when, from which state to which, why and on what legal basis.",
    )
    def get(self, request, case_id: int):
        case = visible_case(request.user, case_id)
        return Response(s.AuditEntryOut(case_audit_trail(case), many=True).data)


class CaseTransition(CourtAPIView):
    """One transition: validate the input, call the service, answer the case as it is now."""

    input_class: type = s.ExpectedState
    service = None
    summary = ""

    def post(self, request, case_id: int):
        case = visible_case(request.user, case_id)
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        type(self).service(actor=request.user, case_id=case.pk, **data.validated_data)
        return Response(case_out(case.pk))


def transition_view(name: str, service, input_class, summary: str, description: str = ""):
    """A documented endpoint `POST /cases/{id}/<name>/` for one service."""
    view = type(
        f"Case{name.title().replace('_', '')}",
        (CaseTransition,),
        {"input_class": input_class, "service": staticmethod(service)},
    )

    def post(self, request, case_id: int):  # a function of its own: the schema is attached to it
        return CaseTransition.post(self, request, case_id)

    view.post = extend_schema(
        operation_id=f"cases_{name}",
        request=input_class,
        responses={200: s.CaseOut, **refusals(400, 404, 409)},
        summary=summary,
        description=description,
    )(post)
    return view


TRANSITIONS = {
    "notice": transition_view(
        "notice",
        services.notice_record,
        s.NoticeIn,
        "Record the service of the enforcement notice",
        "Its payment period and whether it warned of listing (without that warning, no listing).",
    ),
    "declare_default": transition_view(
        "declare_default",
        services.case_declare_default,
        s.DeclareDefaultIn,
        "Declare the debtor in default",
        "The payment period of the served notice is over and a balance remains.",
    ),
    "settle": transition_view(
        "settle",
        services.case_settle,
        s.SettleIn,
        "The settlement agreement was performed",
        "The case becomes `paid` and closes at once.",
    ),
    "close": transition_view(
        "close",
        services.case_close,
        s.CloseIn,
        "Close the case (remove)",
        "With one of the closing reasons: the list entry goes and every restriction is lifted.",
    ),
}
