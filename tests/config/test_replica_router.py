"""The router's rules (config.replicas) that need no real replica: who may read a replica at all, one database per
request, and a request's reads after its first write. Which database a replica-eligible read reaches, the lag
bound and the primary stopped are driven against a real primary and standby in tests/config/test_replicas.py."""

import pytest
from django.db import DEFAULT_DB_ALIAS, router
from django.http import HttpResponse
from django.test import RequestFactory

from config import replicas
from listings.models import CarrierCheck, RestrictionIndexEntry


@pytest.fixture
def one_replica(monkeypatch):
    """As if DATABASE_REPLICA_URLS named one replica, always within its lag bound; counts the choices made."""
    chosen = []
    monkeypatch.setattr(replicas, "aliases", lambda: ["replica_1"])
    monkeypatch.setattr(replicas, "choose", lambda: chosen.append("replica_1") or "replica_1")
    return chosen


def _seen(request, reads=1, write_first=False):
    """A view that reports the database each of its reads would go to."""
    seen = []

    @replicas.replica_reads
    def view(request):
        if write_first:
            router.db_for_write(CarrierCheck)
        seen.extend(router.db_for_read(RestrictionIndexEntry) for _ in range(reads))
        return HttpResponse()

    view(request)
    return seen


def test_without_replicas_every_read_goes_to_the_primary():
    assert _seen(RequestFactory().get("/")) == [DEFAULT_DB_ALIAS]


def test_a_public_read_goes_to_the_replica_chosen_once_per_request(one_replica):
    assert _seen(RequestFactory().get("/"), reads=3) == ["replica_1"] * 3
    assert one_replica == ["replica_1"]  # one request, one choice: it never mixes two databases' snapshots


def test_a_request_with_a_session_reads_the_primary(one_replica, settings):
    request = RequestFactory().get("/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "anything"
    assert _seen(request) == [DEFAULT_DB_ALIAS]
    assert one_replica == []


def test_after_a_write_the_request_reads_the_primary(one_replica):
    assert _seen(RequestFactory().post("/"), write_first=True) == [DEFAULT_DB_ALIAS]


def test_reads_outside_a_replica_eligible_view_go_to_the_primary(one_replica):
    assert router.db_for_read(RestrictionIndexEntry) == DEFAULT_DB_ALIAS
    assert router.db_for_write(RestrictionIndexEntry) == DEFAULT_DB_ALIAS


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "listings")
    assert not router.allow_migrate("replica_1", "listings")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_heartbeat_the_primary_refuses_never_fails_the_request(monkeypatch, caplog):
    monkeypatch.setattr(replicas, "HEARTBEAT_SQL", "SELECT 1 / 0")  # refused as, say, a read-only primary would
    replicas.heartbeat()  # a page measuring its replicas goes on, with the refusal in the log
    assert "replica heartbeat refused" in caplog.text
    assert CarrierCheck.objects.count() == 0  # and the connection still works
