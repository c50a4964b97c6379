"""The client's address, as every per-client control sees it: the rate limits (config.ratelimits), the login
lockout (django-axes) and the staff access log.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address; counting by it would put every client in one
bucket, and five bad passwords anywhere would lock every clerk out. `CLIENT_IP_META_KEY` names the header the
proxy sets to the client's address (e.g. HTTP_X_REAL_IP); a request without it (a direct connection on the
host itself) falls back to REMOTE_ADDR."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    key = settings.CLIENT_IP_META_KEY
    for candidate in (request.META.get(key, ""), request.META.get("REMOTE_ADDR", "")):
        # X-Forwarded-For style lists: the proxy appends, so the client is the last address it added.
        value = candidate.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return "0.0.0.0"  # noqa: S104 - no usable address at all (a unix socket): one bucket, never a crash
