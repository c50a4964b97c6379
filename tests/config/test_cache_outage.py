"""The cache's Redis stops under a running gunicorn and starts again (issue 13): no surface answers a 500.

Every rate-limited surface counts in the shared cache. While Redis is down the pages and the carriers' API
fail open, counting in the worker's own memory (config.cache) with a warning in the log, and the public JSON
list fails closed with a 503 in JSON and Retry-After; /health/ names the cache. Once Redis is back every
surface counts there again. A real redis-server of the test's own is stopped and started during the test.
"""

import time

import pytest

from config.cache import RETRY_SECONDS
from listings.models import CarrierKey
from tests.appeals.conftest import file_request, filed
from tests.brokers import PrivateRedis
from tests.servers import client_from, gunicorn, post_form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SEARCH_RATE = 4


@pytest.fixture
def redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def surfaces(url: str, case, tracking_code: str, carrier_key: str) -> dict:
    """Each rate-limited surface, asked once as its users would: the status of its answer (and the answer)."""
    browser = client_from(1)
    entry = case.listing_decisions.get().pk
    carrier = {"Authorization": f"Api-Key {carrier_key}"}
    asked = {
        "search": browser.get(f"{url}/", params={"name": case.debtor.name}, timeout=30),
        "entry": browser.get(f"{url}/entries/{entry}/", timeout=30),
        "statistics": browser.get(f"{url}/statistics/", timeout=30),
        "status check": post_form(
            client_from(2), url, "/status/", {"case_number": case.case_number, "id_number": case.debtor.id_number}
        ),
        "tracking": browser.get(f"{url}/requests/{tracking_code}/", timeout=30),
        "api listings": browser.get(f"{url}/api/v1/listings/", timeout=30),
        "api listing": browser.get(f"{url}/api/v1/listings/{entry}/", timeout=30),
        "api checks": browser.post(
            f"{url}/api/v1/checks/",
            json={"id_number": case.debtor.id_number, "category": "air_travel"},
            headers=carrier,
            timeout=30,
        ),
        "api batch": browser.post(
            f"{url}/api/v1/checks/batch/",
            json={"id_numbers": [case.debtor.id_number], "category": "air_travel"},
            headers=carrier,
            timeout=30,
        ),
        "api changes": browser.get(f"{url}/api/v1/changes/", headers=carrier, timeout=30),
    }
    return asked


UP = {
    "search": 200,
    "entry": 200,
    "statistics": 200,
    "status check": 302,
    "tracking": 200,
    "api listings": 200,
    "api listing": 200,
    "api checks": 200,
    "api batch": 200,
    "api changes": 200,
}
# The public JSON list fails closed; everything else answers as when Redis is up.
DOWN = {**UP, "api listings": 503, "api listing": 503}


def statuses(asked: dict) -> dict:
    return {name: response.status_code for name, response in asked.items()}


def test_with_the_caches_redis_stopped_every_surface_answers_and_none_fails(walk, client, redis, tmp_path):
    case = walk.listed()
    tracking_code = filed(file_request(client, case, "paid")).tracking_code
    _key, secret = CarrierKey.objects.create_key(name="air", organisation="Air", categories=["air_travel"])
    log = tmp_path / "server.log"
    settings = {"CACHE_URL": redis.url, "PUBLIC_SEARCH_RATE": f"{SEARCH_RATE}/m"}

    with gunicorn(workers=1, settings=settings, log_path=log) as url:
        assert statuses(surfaces(url, case, tracking_code, secret)) == UP
        assert client_from(3).get(f"{url}/health/", timeout=30).json()["cache"]["ok"] is True

        redis.stop()
        down = surfaces(url, case, tracking_code, secret)
        assert statuses(down) == DOWN
        assert down["api checks"].json()["restricted"] is True  # carriers keep getting answers
        for name in ("api listings", "api listing"):
            assert down[name].headers["Content-Type"] == "application/json"
            assert down[name].headers["Retry-After"] == "30"
            assert "briefly unavailable" in down[name].json()["detail"]
        # The limit still holds, counted in the worker's memory: one client's searches beyond it answer 429.
        searcher = client_from(4)
        answers = [
            searcher.get(f"{url}/", params={"name": case.debtor.name}, timeout=30).status_code
            for _ in range(SEARCH_RATE + 1)
        ]
        assert answers == [200] * SEARCH_RATE + [429]
        health = client_from(3).get(f"{url}/health/", timeout=30)
        assert health.status_code == 503
        assert health.json()["cache"] == {
            "ok": False,
            "backend": "redis",
            "error": "ConnectionError",
            "fallback": "per-process counts",
        }
        assert "cache: Redis cannot be reached" in log.read_text()

        redis.start()
        time.sleep(RETRY_SECONDS + 1)  # the worker asks Redis again this long after its last failure
        assert statuses(surfaces(url, case, tracking_code, secret)) == UP
        assert client_from(3).get(f"{url}/health/", timeout=30).json()["cache"]["ok"] is True
        assert "cache: Redis answers again" in log.read_text()
    assert "Internal Server Error" not in log.read_text()


def test_a_rate_count_is_one_round_trip_to_redis_and_falls_back_to_memory_when_it_stops(tmp_path):
    """`config.cache.count` through the proxy Django hands out: one pipeline (INCR + EXPIRE NX) per count, the
    window's expiry set once; with Redis stopped, the worker's memory counts on."""
    from config.cache import RedisCacheWithLocalFallback, count

    server = PrivateRedis(tmp_path)
    server.start()
    try:
        backend = RedisCacheWithLocalFallback(server.url, {"OPTIONS": {"socket_timeout": 0.5}})
        client = backend._counting_client()
        monitor = client.connection_pool
        taken = []
        original = monitor.get_connection
        monitor.get_connection = lambda *a, **k: taken.append(1) or original(*a, **k)
        assert [count(backend, "window", 60) for _ in range(3)] == [1, 2, 3]
        assert len(taken) == 3  # one connection use, one round trip, per count
        assert 0 < client.ttl(backend.make_key("window")) <= 60
    finally:
        server.stop()
    assert count(backend, "window", 60) == 1  # Redis gone: this worker's memory counts from there
