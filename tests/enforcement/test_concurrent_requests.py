"""Fifty clerks' browsers at once, through real HTTP to gunicorn (4 sync worker processes) on PostgreSQL: the
same payment form submitted fifty times records one payment; the same transition posted fifty times makes one
transition; every other request gets a clear answer, none a 500."""

import re
import threading
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connections

from enforcement.models import AuditEntry, CaseState, EnforcementCase, Payment
from tests.servers import gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 50


@pytest.fixture
def server():
    with gunicorn(workers=4) as url:
        yield url


def browser_of(client) -> requests.Session:
    """A `requests` session carrying the signed-in test client's cookies (session with its second factor)."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    for name, cookie in client.cookies.items():
        session.cookies.set(name, cookie.value)
    return session


def form_of(session, url) -> dict:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return fields


def post_at_once(session, url, data) -> list[requests.Response]:
    barrier = threading.Barrier(REQUESTS)
    responses: list = [None] * REQUESTS

    def post(i):
        own = requests.Session()
        own.headers.update(session.headers)
        own.cookies.update(session.cookies)
        barrier.wait(timeout=30)
        try:
            responses[i] = own.post(url, data=data, headers={"Referer": url}, timeout=60)
        except requests.RequestException as exc:
            responses[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    connections.close_all()
    return responses


def outcome(response) -> str:
    assert not isinstance(response, Exception), response
    assert response.status_code < 500, response.status_code
    messages = re.findall(r'<li class="(success|error|warning)">(.*?)</li>', response.text, re.S)
    messages += [("error", m) for m in re.findall(r'<p class="errornote">(.*?)</p>', response.text, re.S)]
    return " | ".join(f"{kind}: {text.strip()}" for kind, text in messages) or f"HTTP {response.status_code}"


def test_the_same_payment_form_submitted_fifty_times_at_once_records_one_payment(client, walk, server):
    case = walk.defaulted(amount_due=Decimal("900.00"))
    client.force_login(walk.clerk)
    browser = browser_of(client)
    url = f"{server}/admin/enforcement/enforcementcase/{case.pk}/act/payment/"
    form = form_of(browser, url)
    data = {
        **form,
        "amount": "250.00",
        "paid_on": case.filed_on.isoformat(),
        "method": "bank_transfer",
        "reference": "",
    }

    answers = [outcome(r) for r in post_at_once(browser, url, data)]

    assert Payment.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.amount_paid == Decimal("250.00")
    assert sum("Payment of CNY 250.00 recorded." in a for a in answers) == 1, answers
    assert sum("already recorded; nothing was added" in a for a in answers) == REQUESTS - 1, answers


def test_the_same_transition_posted_fifty_times_at_once_happens_once(client, walk, server):
    case = walk.case()
    walk.notice(case)
    client.force_login(walk.clerk)
    browser = browser_of(client)
    url = f"{server}/admin/enforcement/enforcementcase/{case.pk}/act/default/"
    form = form_of(browser, url)

    answers = [outcome(r) for r in post_at_once(browser, url, {**form, "reason": "Payment period over."})]

    assert EnforcementCase.objects.get(pk=case.pk).state == CaseState.DEFAULTED
    assert AuditEntry.objects.filter(case=case, action="declare_default").count() == 1
    assert sum("The debtor is in default." in a for a in answers) == 1, answers
    refused = [a for a in answers if "The debtor is in default." not in a]
    assert len(refused) == REQUESTS - 1
    assert all(
        "error:" in a and ("changed while you were looking" in a or "cannot be declared" in a) for a in refused
    ), set(refused)
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
