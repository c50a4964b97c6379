"""The debtor's forms. Bad input is answered with the form again and a message, never a 500."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appeals.models import RequestKind, TemporaryLiftReason
from enforcement import identity
from enforcement.casenumbers import normalise_case_number
from enforcement.rules import TRAVEL_CATEGORIES, RestrictionCategory

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdentifyForm(forms.Form):
    case_number = forms.CharField(
        label=_("Case number"), max_length=40, help_text=_("As on the court's documents, e.g. （2024）京0105执1234号.")
    )
    id_number = forms.CharField(
        label=_("Full ID number or unified social credit code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_case_number(self) -> str:
        return normalise_case_number(self.cleaned_data["case_number"])

    def clean_id_number(self) -> str:
        """Full-width digits and invisible characters are cleaned away; an old 15-digit resident ID number is
        read as its 18-digit form."""
        return identity.normalise_id_number(self.cleaned_data["id_number"])


class FileRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What are you asking for?"), choices=RequestKind.choices, widget=forms.RadioSelect)
    statement = forms.CharField(
        label=_("Your statement"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is wrong, and why. Name the evidence you attach."),
    )
    contact_email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    contact_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    lift_reason = forms.ChoiceField(
        label=_("Reason for the temporary lift"),
        choices=[("", "---------"), *TemporaryLiftReason.choices],
        required=False,
    )
    lift_categories = forms.MultipleChoiceField(
        label=_("Travel to allow"),
        choices=[(c.value, c.label) for c in RestrictionCategory if c in TRAVEL_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    lift_starts_on = forms.DateField(
        label=pgettext_lazy("first day of a temporary lift", "From"), required=False, widget=DateInput
    )
    lift_ends_on = forms.DateField(label=_("Until (inclusive)"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        if not data.get("contact_email") and not data.get("contact_phone"):
            raise forms.ValidationError(_("Give an e-mail address or a phone number so the court can reach you."))
        return data


class ReconsiderationForm(forms.Form):
    statement = forms.CharField(
        label=_("Why the rejection is wrong"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class WithdrawForm(forms.Form):
    withdrawal_code = forms.CharField(
        label=_("Withdrawal code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("On the receipt shown when you filed the request, and in the receipt e-mail."),
    )


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=32)
    name = forms.CharField(label=_("Debtor's name, as on the certificate"), max_length=200)
    id_number = forms.CharField(
        label=_("Debtor's ID number, as on the certificate"),
        max_length=32,
        help_text=_("Masked as printed: the first 10 characters, ****, the last 4 (an organisation's code in full)."),
    )
    signature = forms.CharField(label=_("Signature"), max_length=64)
