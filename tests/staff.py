"""Signing in to the admin as staff do: the password, then the current TOTP code of their authenticator."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "correct horse battery staple"  # set by UserFactory


def authenticator(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    # Each sign-in reads a fresh code, as if the next 30-second step had come (a code is accepted only once).
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return device


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user, *, password: str = PASSWORD, code: str | None = None, next_url: str = "/admin/"):
    """POST the admin's sign-in form; returns the response (302 on success)."""
    device = authenticator(user)
    return client.post(
        f"/admin/login/?next={next_url}",
        {
            "username": user.username,
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": current_code(device) if code is None else code,
        },
    )
