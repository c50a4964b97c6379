"""Give a staff user a TOTP second factor and print it once, as a QR code and a key, for an authenticator app.

    manage.py totp_enrol USERNAME [--replace]

A superuser can do the same in the admin (*TOTP devices* -> Add, then the QR code link). Signing in to the
admin needs the password and the current 6-digit code.
"""

import base64

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="delete the user's devices and issue a new one")

    def handle(self, *args, username: str, replace: bool, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_staff:
            raise CommandError(f"{username!r} is not staff: only staff sign in to the admin.")
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=None)
        if devices.exists() and not replace:
            raise CommandError(f"{username!r} already has a TOTP device; use --replace to issue a new one.")
        devices.delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        self.stdout.write(f"TOTP device issued to {username}. Scan this with an authenticator app:\n")
        segno.make(device.config_url).terminal(out=self.stdout, compact=True)
        key = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"\nOr type the key: {key}\nIt is shown only now.")
