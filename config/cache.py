"""The shared cache (Redis: rate limits and statistics), and what happens while Redis is down.

Every rate-limited surface counts in Redis so that all web workers share the counts. Django's RedisCache raises
on a connection error, and a rate limit asking it let that through: with Redis down every rate-limited page and
the carriers' API answered a bare 500. `RedisCacheWithLocalFallback` is Django's RedisCache that, when Redis cannot
be reached, logs a warning and serves the call from this process's memory instead (a LocMemCache): the limits
go on counting per worker process, the statistics are computed and kept per process, and nobody gets a 500. It
tries Redis again `RETRY_SECONDS` after a failure (a down Redis is not asked on every call: each attempt costs
a connection timeout) and logs when Redis is back.

That is failing *open* with a local fallback, the default of every caller. A surface that must not run on
per-process counts fails *closed* instead: inside `refused_on_outage()` an outage raises `CacheUnavailable`,
which the surface answers with 503 and Retry-After (see docs/security.md for which surface does what).
"""

import contextlib
import contextvars
import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5
#: What a client refused during an outage is told to wait.
RETRY_AFTER_SECONDS = 30

_refuse_on_outage = contextvars.ContextVar("refuse_on_cache_outage", default=False)


class CacheUnavailable(Exception):
    """Redis cannot be reached, and the caller asked not to fall back to this process's memory."""


@contextlib.contextmanager
def refused_on_outage():
    """Within this block, a cache call during a Redis outage raises CacheUnavailable instead of falling back."""
    token = _refuse_on_outage.set(True)
    try:
        yield
    finally:
        _refuse_on_outage.reset(token)


class RedisCacheWithLocalFallback(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(f"redis-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._client = None

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def ping(self) -> None:
        """Ask Redis itself (no fallback): raises if it cannot be reached. For /health/."""
        self._cache.get_client().ping()

    def _call(self, method: str, *args, **kwargs):
        return self._guarded(
            lambda: getattr(RedisCache, method)(self, *args, **kwargs),
            lambda: getattr(self._local, method)(*args, **kwargs),
        )

    def _guarded(self, on_redis, on_local):
        """`on_redis()`, or while Redis cannot be reached `on_local()` (or CacheUnavailable if refused)."""
        if not self.is_down:
            try:
                result = on_redis()
            except OUTAGE as exc:
                self._went_down(exc)
            else:
                self._came_back()
                return result
        if _refuse_on_outage.get():
            raise CacheUnavailable
        return on_local()

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            log.warning(
                "cache: Redis cannot be reached (%s: %s); rate limits and statistics use this process's memory "
                "until it is back",
                type(exc).__name__,
                exc,
            )

    def _came_back(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            log.warning("cache: Redis answers again; rate limits are shared by every worker once more")

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")

    def count(self, key: str, timeout: int) -> int:
        """Add one to the counter `key` (kept `timeout` seconds from its first count) and return it: INCR and
        EXPIRE NX in one round trip, where Django's add-then-incr costs three (add, exists, incr)."""

        def on_redis() -> int:
            name = self.make_and_validate_key(key)
            value, _ = (
                self._counting_client().pipeline(transaction=False).incr(name).expire(name, timeout, nx=True).execute()
            )
            return value

        return self._guarded(on_redis, lambda: count(self._local, key, timeout))

    def _counting_client(self):
        # Django's RedisCache makes a new client object (and its table of 170 response callbacks) on every call:
        # a third of a counted request's own time. The client is thread-safe and shares Django's pool; one is kept.
        if self._client is None:
            self._client = self._cache.get_client(None, write=True)
        return self._client


def count(cache, key: str, timeout: int) -> int:
    """Add one to the counter `key` in `cache` (created for `timeout` seconds) and return it: one round trip on
    Redis (`RedisCacheWithLocalFallback.count`), add-then-incr on any other cache."""
    counter = getattr(cache, "count", None)  # `django.core.cache.cache` is a proxy: ask for the method
    if counter is not None:
        return counter(key, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout)
        return 1
