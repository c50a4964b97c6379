"""django-otp's admin for TOTP devices, with its two extra pages (the key and the QR code of a device) answering
404 for a device that does not exist: upstream reads the device with `.get()`, so an id of no device, or one past
the id column's range, was a 500 (found by tests/config/test_fuzz_every_endpoint.py)."""

from django.contrib import admin
from django.db import DataError
from django.http import Http404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

admin.site.unregister(TOTPDevice)


def _existing_device(pk) -> None:
    try:
        found = TOTPDevice.objects.filter(pk=pk).exists()
    except (DataError, ValueError, OverflowError):
        found = False
    if not found:
        raise Http404


@admin.register(TOTPDevice)
class CheckedTOTPDeviceAdmin(TOTPDeviceAdmin):
    def config_view(self, request, pk):
        _existing_device(pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        _existing_device(pk)
        return super().qrcode_view(request, pk)
