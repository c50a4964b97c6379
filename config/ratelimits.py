"""Rate limits: a fixed window per (group, key) counted in the shared cache, one round trip per request.

Every limited surface asks `usage()`: the carriers' API per key, the public pages, the public JSON and the
debtor's status check per client address (`config.clientip`). The count is Redis's INCR with EXPIRE NX
(`config.cache.count`); django-ratelimit, used before, cost three round trips and a new Redis client object per
request. While Redis is down the count falls back to the worker's memory, unless the caller asked to refuse
(`config.cache.refused_on_outage`: the public JSON does).
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from config.cache import count
from config.clientip import client_ip


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    retry_after: int  # whole seconds until the window ends

    @property
    def limited(self) -> bool:
        return self.count > self.limit


def parse_rate(rate: str) -> tuple[int, int]:
    """`600/m` -> (600, 60): requests per second, minute, hour or day (DRF's notation)."""
    limit, period = SimpleRateThrottle.parse_rate(None, rate)
    return limit, period


def usage(*, group: str, key: str, rate: str, increment: bool = True) -> Usage:
    """This window's count for `key` in `group` (counting this request if `increment`)."""
    limit, period = parse_rate(rate)
    now = time.time()
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()  # an address or key prefix, not kept as is
    name = f"rate:{group}:{period}:{int(now // period)}:{digest}"
    used = count(cache, name, period + 1) if increment else int(cache.get(name) or 0)
    return Usage(count=used, limit=limit, retry_after=max(1, math.ceil(period - now % period)))


def client_usage(request, *, group: str, rate: str, increment: bool = True) -> Usage:
    """The limit per client address."""
    return usage(group=group, key=client_ip(request), rate=rate, increment=increment)
