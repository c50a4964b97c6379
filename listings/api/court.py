"""The court systems' API for restriction orders and listing decisions: propose, sign, refuse, lift, revoke,
expire, and temporary lifts of travel restrictions. Each endpoint calls one service of `listings.services`;
a record of another court answers 404, like the admin."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from enforcement import permissions
from enforcement.api.common import CourtAPIView, refusals
from enforcement.api.scope import visible_case
from enforcement.api.serializers import ExpectedState
from enforcement.rules import Ground, LiftReason, RestrictionCategory
from listings import services
from listings.models import ListingDecision, RestrictionOrder, TemporaryLift

# --- serializers ---------------------------------------------------------------------------------------------------


class ChoiceSet(serializers.ListField):
    """A set of choices (restricted categories, grounds), answered sorted."""

    def to_representation(self, data):
        return sorted(super().to_representation(data))


def categories_field(**kwargs):
    return ChoiceSet(child=serializers.ChoiceField(choices=RestrictionCategory.choices), **kwargs)


class RestrictionOrderOut(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    categories = categories_field(read_only=True)
    bound_party_ids = serializers.SerializerMethodField()

    class Meta:
        model = RestrictionOrder
        fields = [
            "id",
            "case",
            "status",
            "categories",
            "facts",
            "order_number",
            "listing",
            "proposed_at",
            "decided_on",
            "served_on",
            "rejection_reason",
            "lifted_at",
            "lift_reason",
            "lift_note",
            "bound_party_ids",
        ]

    def get_bound_party_ids(self, order) -> list[int]:
        return sorted(order.bound.values_list("party_id", flat=True))


class ListingDecisionOut(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    grounds = ChoiceSet(child=serializers.ChoiceField(choices=Ground.choices), read_only=True)
    restriction_order = serializers.SerializerMethodField()

    class Meta:
        model = ListingDecision
        fields = [
            "id",
            "case",
            "status",
            "grounds",
            "facts",
            "period_years",
            "extension_years",
            "extension_reason",
            "grace_months",
            "decision_number",
            "proposed_at",
            "decided_on",
            "served_on",
            "publish_on",
            "published_at",
            "expires_on",
            "ended_at",
            "end_reason",
            "rejection_reason",
            "restriction_order",
        ]

    def get_restriction_order(self, decision) -> int | None:
        return RestrictionOrder.objects.filter(listing=decision).values_list("pk", flat=True).first()


class TemporaryLiftOut(serializers.ModelSerializer):
    categories = categories_field(read_only=True)

    class Meta:
        model = TemporaryLift
        fields = ["id", "order", "categories", "starts_on", "ends_on", "reason", "note", "approved_at"]


class OrderProposeIn(ExpectedState):
    categories = categories_field(min_length=1)
    facts = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The order binds the debtor and every responsible person of an organisation."),
    )


class Signed(ExpectedState):
    decided_on = serializers.DateField(
        required=False,
        help_text=gettext_lazy("The date on the signed document (today if omitted); not before the case was filed."),
    )
    served_on = serializers.DateField(help_text=gettext_lazy("On or after the decision, not in the future."))


class OrderApproveIn(Signed):
    order_number = serializers.CharField(
        max_length=60, help_text=gettext_lazy("The court's number: （2026）京0101执限12号, unique in the court.")
    )


class RejectIn(serializers.Serializer):
    reason = serializers.CharField()


class OrderLiftIn(ExpectedState):
    reason = serializers.ChoiceField(
        choices=LiftReason.choices,
        help_text=gettext_lazy("security_given or creditor_consent: payment lifts an order by itself."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TemporaryLiftIn(serializers.Serializer):
    categories = categories_field(min_length=1, help_text=gettext_lazy("Travel categories only."))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=TemporaryLift.Reason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ListingProposeIn(ExpectedState):
    grounds = ChoiceSet(child=serializers.ChoiceField(choices=Ground.choices), min_length=1)
    facts = serializers.CharField(required=False, allow_blank=True, default="")
    extension_years = serializers.IntegerField(min_value=0, max_value=10, required=False, default=0)
    extension_reason = serializers.CharField(required=False, allow_blank=True, default="")
    grace_months = serializers.IntegerField(min_value=0, max_value=12, required=False, default=0)
    categories = categories_field(
        required=False,
        min_length=1,
        help_text=gettext_lazy(
            "For a debtor not yet restricted: the restriction order proposed with it (all if omitted)."
        ),
    )
    on_creditor_application = serializers.BooleanField(
        required=False,
        default=True,
        help_text=gettext_lazy("False when the court lists the debtor on its own motion (no creditor bar applies)."),
    )


class ListingApproveIn(Signed):
    decision_number = serializers.CharField(
        max_length=60, help_text=gettext_lazy("The court's number: （2026）京0101执失12号, unique in the court.")
    )
    order_number = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The number of the restriction order signed with it, if one was proposed with it."),
    )


class ListingRevokeIn(ExpectedState):
    reason = serializers.CharField(help_text=gettext_lazy("What the error was."))


class NoInput(serializers.Serializer):
    pass


# --- scope ---------------------------------------------------------------------------------------------------------


def visible(model, user, pk):
    records = model.objects.select_related("case")
    courts = permissions.court_ids(user)
    if courts is not None:
        records = records.filter(case__court_id__in=courts)
    record = records.filter(pk=pk).first()
    if record is None:
        raise Http404(_("No such record in your courts."))
    return record


# --- views ---------------------------------------------------------------------------------------------------------


def _endpoint(*, name, summary, input_class, output_class, created, call, description=""):
    """An APIView class with one documented POST: validate, call the service, answer the record as it is now."""

    def post(self, request, pk: int):
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        record = call(request.user, pk, dict(data.validated_data))
        record = type(record).objects.get(pk=record.pk)
        return Response(output_class(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    post = extend_schema(
        operation_id=name,
        request=input_class,
        responses={201 if created else 200: output_class, **refusals(400, 404, 409)},
        summary=summary,
        description=description,
    )(post)
    return type(name.title().replace("_", ""), (CourtAPIView,), {"post": post})


def _on_case(service):
    def call(user, case_id, values):
        case = visible_case(user, case_id)
        return service(actor=user, case_id=case.pk, **values)

    return call


def _on(model, service, key):
    def call(user, pk, values):
        record = visible(model, user, pk)
        return service(actor=user, **{key: record.pk}, **values)

    return call


OrderPropose = _endpoint(
    name="restriction_orders_propose",
    summary="Propose a restriction order for a defaulted debtor",
    description="It binds the debtor and, for an organisation, its responsible persons; an approver signs it.",
    input_class=OrderProposeIn,
    output_class=RestrictionOrderOut,
    created=True,
    call=_on_case(services.restriction_order_propose),
)
OrderApprove = _endpoint(
    name="restriction_orders_approve",
    summary="Sign a restriction order (an approver who did not propose it)",
    input_class=OrderApproveIn,
    output_class=RestrictionOrderOut,
    created=False,
    call=_on(RestrictionOrder, services.restriction_order_approve, "order_id"),
)
OrderReject = _endpoint(
    name="restriction_orders_reject",
    summary="Refuse a proposed restriction order",
    input_class=RejectIn,
    output_class=RestrictionOrderOut,
    created=False,
    call=_on(RestrictionOrder, services.restriction_order_reject, "order_id"),
)
OrderLift = _endpoint(
    name="restriction_orders_lift",
    summary="Lift a restriction order on security given or the creditor's consent",
    input_class=OrderLiftIn,
    output_class=RestrictionOrderOut,
    created=False,
    call=_on(RestrictionOrder, services.restriction_order_lift, "order_id"),
)
TemporaryLiftGrant = _endpoint(
    name="restriction_orders_temporary_lift",
    summary="Lift travel restrictions temporarily (at most a month, for a serious reason)",
    input_class=TemporaryLiftIn,
    output_class=TemporaryLiftOut,
    created=True,
    call=_on(RestrictionOrder, services.temporary_lift_grant, "order_id"),
)
ListingPropose = _endpoint(
    name="listing_decisions_propose",
    summary="Propose listing the debtor",
    description="A debtor not yet restricted gets a restriction order proposed with it.",
    input_class=ListingProposeIn,
    output_class=ListingDecisionOut,
    created=True,
    call=_on_case(services.listing_propose),
)
ListingApprove = _endpoint(
    name="listing_decisions_approve",
    summary="Sign a listing decision (an approver who did not propose it)",
    description="Published at once, or after its grace period.",
    input_class=ListingApproveIn,
    output_class=ListingDecisionOut,
    created=False,
    call=_on(ListingDecision, services.listing_approve, "decision_id"),
)
ListingReject = _endpoint(
    name="listing_decisions_reject",
    summary="Refuse a proposed listing",
    input_class=RejectIn,
    output_class=ListingDecisionOut,
    created=False,
    call=_on(ListingDecision, services.listing_reject, "decision_id"),
)
ListingRevoke = _endpoint(
    name="listing_decisions_revoke",
    summary="Revoke a listing made in error",
    input_class=ListingRevokeIn,
    output_class=ListingDecisionOut,
    created=False,
    call=_on(ListingDecision, services.listing_revoke, "decision_id"),
)
ListingExpire = _endpoint(
    name="listing_decisions_expire",
    summary="End a listing whose period is over",
    input_class=NoInput,
    output_class=ListingDecisionOut,
    created=False,
    call=_on(ListingDecision, services.listing_expire, "decision_id"),
)


class OrderDetail(CourtAPIView):
    @extend_schema(
        operation_id="restriction_orders_retrieve",
        responses={200: RestrictionOrderOut, **refusals(404)},
        summary="A restriction order",
    )
    def get(self, request, pk: int):
        return Response(RestrictionOrderOut(visible(RestrictionOrder, request.user, pk)).data)


class ListingDetail(CourtAPIView):
    @extend_schema(
        operation_id="listing_decisions_retrieve",
        responses={200: ListingDecisionOut, **refusals(404)},
        summary="A listing decision",
    )
    def get(self, request, pk: int):
        return Response(ListingDecisionOut(visible(ListingDecision, request.user, pk)).data)
