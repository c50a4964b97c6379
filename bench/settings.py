"""Production settings for the benchmark: the same middleware, cache and database options, plus plain HTTP on
loopback (no TLS redirect) and a constant view for the floor. The runner sets the environment."""

from config.settings.production import *  # noqa: F403
from config.settings.production import LOGGING

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
# The limits stay on (they cost a cache round trip per request, as in production) but high enough not to bite.
PUBLIC_SEARCH_RATE = "100000000/m"
PUBLIC_PAGE_RATE = "100000000/m"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
