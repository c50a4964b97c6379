"""The staff sign-in form: user name, password and the authenticator's code, in one go.

django-otp's admin form asks the user to pick a device, but it can list the devices only once it knows who is
signing in, so the first try always failed with "Please select a device." and showed the list afterwards. Here
the device is found from the code itself: a user with one authenticator uses it; a user with several has the
code checked against each in turn, inside a savepoint, so an authenticator the code did not come from is not
throttled by a sign-in that succeeded with another (django-otp's reason for refusing to guess). A code that
matches none of them counts as a failure on every one, as a guess against each of them would.
"""

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm


class StaffLoginForm(OTPAdminAuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code from your authenticator"),
        required=False,
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "size": 8}
        ),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )
    # Still accepted (a script may name the device), never needed: the code finds its device.
    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Enter the 6-digit code from your authenticator as well as your password."),
        "invalid_token": _("This code is wrong or has already been used. Enter the code your authenticator shows now."),
        "n_failed_attempts": ngettext_lazy(
            "Codes are refused for a while after %(failure_count)d wrong code. Try again in a minute.",
            "Codes are refused for a while after %(failure_count)d wrong codes. Try again in a minute.",
            "failure_count",
        ),
        "verification_not_allowed": _("Codes are refused for a while. Try again in a minute."),
        "device_required": _("No authenticator is set up for this account. Ask an administrator to enrol one."),
        "not_interactive": _("Enter the code your authenticator shows."),
    }

    def _chosen_device(self, user):
        chosen = super()._chosen_device(user)
        if chosen is not None:
            return chosen
        devices = list(devices_for_user(user, confirmed=True))
        return devices[0] if len(devices) == 1 else None

    def _verify_token(self, user, token, device=None):
        if device is not None:
            return super()._verify_token(user, token, device)
        devices = list(devices_for_user(user, confirmed=True))
        if not devices:
            raise forms.ValidationError(self.otp_error_messages["device_required"], code="device_required")
        token = token.replace(" ", "")
        allowed = [d for d in devices if d.verify_is_allowed()[0]]
        if not allowed:
            # Every authenticator is throttled: say so as the one-device case does.
            return super()._verify_token(user, token, devices[0])
        for candidate in allowed:
            savepoint = transaction.savepoint()
            if candidate.verify_token(token):
                transaction.savepoint_commit(savepoint)
                return candidate
            transaction.savepoint_rollback(savepoint)
        for candidate in allowed:
            candidate.refresh_from_db()
            candidate.throttle_increment(commit=True)
        raise forms.ValidationError(self.otp_error_messages["invalid_token"], code="invalid_token")

    def clean_otp_token(self):
        return (self.cleaned_data.get("otp_token") or "").replace(" ", "")


__all__ = ["StaffLoginForm"]
