import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from enforcement.models import AuditEntry, IdempotencyKey, Payment
from tests.enforcement.api.conftest import token_client
from tests.factories import CaseFactory, UserFactory


def pay(client, case, key, **overrides):
    body = {"amount": "100.00", "paid_on": timezone.localdate().isoformat(), "method": "bank_transfer", **overrides}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/cases/{case.pk}/payments/", body, format="json", **headers)


@pytest.mark.django_db
def test_a_payment_is_recorded_and_audited(api, court):
    case = CaseFactory(court=court)
    response = pay(api, case, "k-1", reference="BANK-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "100.00"
    assert body["currency"] == "CNY"
    assert body["case_balance"] == "99900.00"
    assert AuditEntry.objects.filter(case=case, action="payment_record").count() == 1


@pytest.mark.django_db
def test_the_same_key_twice_records_one_payment_and_answers_the_same(api, court):
    case = CaseFactory(court=court)
    first = pay(api, case, "same-key")
    second = pay(api, case, "same-key")
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.amount_paid == Decimal("100.00")


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422(api, court):
    case = CaseFactory(court=court)
    assert pay(api, case, "k").status_code == 201
    response = pay(api, case, "k", amount="200.00")
    assert response.status_code == 422
    assert "different request" in response.json()["Idempotency-Key"][0]
    other_case = CaseFactory(court=court)
    assert pay(api, other_case, "k").status_code == 422
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(api, court):
    case = CaseFactory(court=court)
    colleague = token_client(UserFactory(username="colleague", roles=[(court, "clerk")]))
    assert pay(api, case, "shared").status_code == 201
    assert pay(colleague, case, "shared").status_code == 201
    assert Payment.objects.filter(case=case).count() == 2


@pytest.mark.django_db
def test_a_missing_or_oversized_key_is_a_400(api, court):
    case = CaseFactory(court=court)
    assert "Idempotency-Key" in pay(api, case, None).json()
    assert pay(api, case, "x" * 65).status_code == 400
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_refused_payment_stores_no_key_and_may_be_retried(api, court):
    case = CaseFactory(court=court)
    too_much = pay(api, case, "retry", amount="999999.00")
    assert too_much.status_code == 409
    assert "more than the balance" in too_much.json()["amount"][0]
    assert not IdempotencyKey.objects.exists()
    assert pay(api, case, "retry", amount="999999.00").status_code == 409
    assert pay(api, case, "retry-2", currency="USD").status_code == 400
    assert pay(api, case, "retry-3", amount="abc").status_code == 400


@pytest.mark.django_db
def test_payment_in_full_moves_the_case_to_paid(api, court):
    case = CaseFactory(court=court, amount_due=Decimal("100.00"))
    response = pay(api, case, "full")
    assert response.status_code == 201
    assert response.json()["case_state"] in {"paid", "closed"}
    assert pay(api, case, "after", amount="1.00").status_code == 409


@pytest.mark.django_db
def test_an_approver_may_not_record_payments(approver_api, court):
    case = CaseFactory(court=court)
    assert pay(approver_api, case, "k").status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_record_one_payment(court, clerk):
    case = CaseFactory(court=court)
    clients = [token_client(clerk) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    answers = []

    def send(client):
        try:
            barrier.wait()
            response = pay(client, case, "racing-key")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Payment.objects.filter(case=case).count() == 1
    assert len(answers) == len(clients)
    assert {status for status, _body in answers} == {201}
    assert len({body["id"] for _status, body in answers}) == 1
    case.refresh_from_db()
    assert case.amount_paid == Decimal("100.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_with_different_keys_all_count(court, clerk):
    case = CaseFactory(court=court, amount_due=Decimal("1000.00"))
    clients = [token_client(clerk) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def send(client):
        try:
            barrier.wait()
            statuses.append(pay(client, case, str(uuid.uuid4())).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    case.refresh_from_db()
    assert case.amount_paid == Decimal("400.00")
