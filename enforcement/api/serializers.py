"""Input and output serializers of the court systems' API. Inputs only shape and type the request; the rules
(ID number checksums, dates, amounts, states, roles) are the services', so the API and the admin refuse alike."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from enforcement import rules
from enforcement.models import (
    AuditEntry,
    CaseState,
    Court,
    Currency,
    EnforcementCase,
    Party,
    Payment,
    ResponsiblePerson,
)


class CourtCode(serializers.SlugRelatedField):
    """A court by its code; refuses what cannot be a code before asking the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("The court's code, as in its case numbers (e.g. 京0105)."))
        super().__init__(slug_field="code", queryset=Court.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 12 or "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:20])
        return super().to_internal_value(data)


def query_param(request, name: str, max_length: int = 64) -> str:
    """A query parameter, refused with 400 when it cannot be a value of its column."""
    value = request.query_params.get(name, "")
    if len(value) > max_length or "\x00" in value:
        raise serializers.ValidationError({name: [_("Not a possible value.")]})
    return value


# --- parties -----------------------------------------------------------------------------------------------------


class PartyIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    name = serializers.CharField(max_length=200)
    id_type = serializers.ChoiceField(choices=Party.IdType.choices)
    id_number = serializers.CharField(max_length=32)
    sex = serializers.ChoiceField(
        choices=Party.Sex.choices,
        required=False,
        allow_blank=True,
        help_text=_("Read from a resident ID number; give it for other documents."),
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Read from a resident ID number; give it for other documents."),
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ResponsiblePersonOut(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = ResponsiblePerson
        fields = ["id", "organisation", "person", "person_name", "role"]


class ResponsiblePersonIn(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, help_text=_("The id of a registered natural person."))
    role = serializers.ChoiceField(choices=ResponsiblePerson.Role.choices)


class PartyOut(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "kind", "name", "id_type", "id_number", "sex", "birth_date", "address", "phone", "created_at"]


class PartyBrief(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "kind", "name", "id_type", "id_number"]


# --- cases -------------------------------------------------------------------------------------------------------


class CaseIn(serializers.Serializer):
    court = CourtCode()
    case_number = serializers.CharField(max_length=40)
    creditor = serializers.IntegerField(min_value=1, help_text=_("The id of a registered party."))
    debtor = serializers.IntegerField(min_value=1, help_text=_("The id of a registered party."))
    basis_issuer = serializers.CharField(max_length=200)
    basis_number = serializers.CharField(max_length=60)
    basis_date = serializers.DateField()
    obligation = serializers.CharField()
    amount_due = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.CNY)
    filed_on = serializers.DateField()
    security_given = serializers.BooleanField(required=False, default=False)
    seized_assets_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0"), required=False
    )
    subsidiary_liability = serializers.BooleanField(required=False, default=False)
    internal_notes = serializers.CharField(required=False, allow_blank=True)


class CaseOut(serializers.ModelSerializer):
    court = serializers.CharField(source="court.code", read_only=True)
    court_name = serializers.CharField(source="court.name", read_only=True)
    creditor = PartyBrief(read_only=True)
    debtor = PartyBrief(read_only=True)
    balance = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    # Empty while the case is open: declared so the schema says so (the model field alone documents only the codes).
    closed_reason = serializers.ChoiceField(choices=rules.ClosingReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = EnforcementCase
        fields = [
            "id",
            "case_number",
            "court",
            "court_name",
            "state",
            "creditor",
            "debtor",
            "basis_issuer",
            "basis_number",
            "basis_date",
            "obligation",
            "amount_due",
            "amount_paid",
            "balance",
            "currency",
            "filed_on",
            "notice_served_on",
            "notice_payment_days",
            "notice_warns_listing",
            "payment_due_on",
            "security_given",
            "seized_assets_value",
            "subsidiary_liability",
            "internal_notes",
            "closed_reason",
            "closed_on",
            "created_at",
            "updated_at",
        ]


class AuditEntryOut(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    detail = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "from_state",
            "to_state",
            "reason",
            "legal_basis",
            "detail",
        ]


# --- transitions -------------------------------------------------------------------------------------------------


class ExpectedState(serializers.Serializer):
    expected_state = serializers.ChoiceField(
        choices=CaseState.choices,
        required=False,
        help_text=_("The state the client last saw; if the case has moved on since, the request answers 409."),
    )


class NoticeIn(ExpectedState):
    served_on = serializers.DateField()
    payment_days = serializers.IntegerField(min_value=1, max_value=365)
    warns_listing = serializers.BooleanField(
        help_text=_("The notice warned that non-payment may lead to listing; without it, no listing.")
    )


class DeclareDefaultIn(ExpectedState):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SettleIn(ExpectedState):
    reason = serializers.CharField(help_text=_("The settlement that was performed."))


class CloseIn(ExpectedState):
    reason = serializers.ChoiceField(choices=rules.ClosingReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


# --- payments ----------------------------------------------------------------------------------------------------


class PaymentIn(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(
        choices=Currency.choices, required=False, help_text=_("The case's currency; taken from the case if omitted.")
    )
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PaymentOut(serializers.ModelSerializer):
    case_state = serializers.CharField(source="case.state", read_only=True)
    case_balance = serializers.DecimalField(source="case.balance", max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "case", "amount", "currency", "paid_on", "method", "reference", "recorded_at"]
        fields += ["case_state", "case_balance"]
