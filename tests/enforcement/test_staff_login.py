"""Staff sign in with a password and a TOTP code; repeated failures lock the account; idle sessions end."""

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.staff import PASSWORD, authenticator, current_code, sign_in

pytestmark = pytest.mark.django_db


def test_the_password_and_the_current_code_open_the_admin(client, clerk):
    response = sign_in(client, clerk)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_password_alone_does_not_open_the_admin(client, clerk):
    authenticator(clerk)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": clerk.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    assert "Enter the 6-digit code from your authenticator as well as your password." in response.text
    assert client.get("/admin/").status_code == 302  # still sent to the sign-in page


def test_a_wrong_code_is_refused_with_a_message(client, clerk):
    device = authenticator(clerk)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = sign_in(client, clerk, code=wrong)
    assert response.status_code == 200
    assert "This code is wrong or has already been used." in response.text
    assert client.get("/admin/").status_code == 302


def test_one_authenticator_signs_in_with_password_and_code_in_one_go(client, clerk):
    device = authenticator(clerk)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": clerk.username, "password": PASSWORD, "otp_token": current_code(device)},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_two_authenticators_the_code_finds_its_own_and_the_other_is_not_throttled(client, clerk):
    first = authenticator(clerk)
    second = TOTPDevice.objects.create(user=clerk, name="spare phone", confirmed=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": clerk.username, "password": PASSWORD, "otp_token": current_code(second)},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.throttling_failure_count == 0


def test_a_wrong_code_with_two_authenticators_counts_against_both(client, clerk):
    first = authenticator(clerk)
    second = TOTPDevice.objects.create(user=clerk, name="spare phone", confirmed=True)
    codes = {current_code(first), current_code(second)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in codes)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": clerk.username, "password": PASSWORD, "otp_token": wrong}
    )
    assert response.status_code == 200
    assert "This code is wrong or has already been used." in response.text
    assert [d.throttling_failure_count for d in TOTPDevice.objects.filter(user=clerk).order_by("pk")] == [1, 1]


def test_the_sign_in_messages_are_in_chinese_for_a_chinese_browser(clerk):
    authenticator(clerk)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/admin/login/?next=/admin/", {"username": clerk.username, "password": PASSWORD})
    assert "验证码" in response.text
    assert "Please select a device" not in response.text
    assert "OTP" not in response.text


def test_a_code_is_accepted_only_once(client, clerk):
    device = authenticator(clerk)
    code = current_code(device)
    assert sign_in(client, clerk, code=code).status_code == 302
    client.logout()
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": clerk.username,
            "password": "correct horse battery staple",
            "otp_device": device.persistent_id,
            "otp_token": code,
        },
    )
    assert response.status_code == 200  # a replayed code is refused


def test_five_wrong_passwords_lock_the_account_with_a_clear_message_until_the_cool_off(client, clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert sign_in(client, clerk, password="wrong password").status_code == 200
        locked = sign_in(client, clerk, password="wrong password")
        assert locked.status_code == 429
        assert "Sign-in has been refused after 5 failed attempts" in locked.text
        assert "Try again in 15 minutes" in locked.text
        assert locked["Retry-After"] == "900"
        assert sign_in(client, clerk).status_code == 429  # even the right password, while locked
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        assert sign_in(client, clerk).status_code == 302


def test_one_address_trying_many_accounts_is_locked_too(client, clerk, approver, other_clerk):
    for user in (clerk, approver, other_clerk, clerk, approver):
        last = sign_in(client, user, password="wrong password")
    assert last.status_code == 429


def test_behind_a_proxy_the_lockout_counts_the_client_not_the_proxy(clerk, approver, other_clerk, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    prober = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    for user in (clerk, approver, other_clerk, clerk, approver):
        last = sign_in(prober, user, password="wrong password")
    assert last.status_code == 429
    # Another clerk, through the same proxy from another address, is not caught by the prober's lock.
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="198.51.100.7")
    assert sign_in(colleague, other_clerk).status_code == 302


def test_an_idle_session_ends_after_thirty_minutes(client, clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert sign_in(client, clerk).status_code == 302
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert client.get("/admin/").status_code == 200  # activity keeps it alive...
    with time_machine.travel(start + datetime.timedelta(minutes=58), tick=False):
        assert client.get("/admin/").status_code == 200  # ...counted from the last request
    with time_machine.travel(start + datetime.timedelta(minutes=89), tick=False):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_passwords_are_validated():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Tr0ub4dor&3")
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password1234")


def test_totp_enrol_issues_a_device_once_and_refuses_strangers(clerk, capsys):
    call_command("totp_enrol", clerk.username)
    out = capsys.readouterr().out
    assert "Or type the key:" in out
    with pytest.raises(CommandError, match="already has a TOTP device"):
        call_command("totp_enrol", clerk.username)
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("totp_enrol", "nobody")


def test_totp_code_is_refused_outside_the_local_demo(clerk, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local demo only"):
        call_command("totp_code", clerk.username)
