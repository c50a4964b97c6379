"""Production: every secret and address comes from the environment, with no default to fall back on."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import cache_from_env, databases_from_env, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DATABASES = databases_from_env(None)
# Shared by every web worker (rate limits, statistics): Redis, e.g. redis://127.0.0.1:6379/1.
CACHES = {"default": cache_from_env(None)}
# Required: a production server without a broker would run every task inside the web request. An explicit empty
# value (CELERY_BROKER_URL=) keeps tasks in-process on purpose, e.g. a single-machine trial.
env("CELERY_BROKER_URL")

# Printed on every certificate (QR code and verify link) and in every e-mail: never a default, never derived from
# a request's Host header.
PUBLIC_SITE_URL = env("PUBLIC_SITE_URL")
_scheme, _, _host = PUBLIC_SITE_URL.partition("://")
if _scheme not in ("https", "http") or not _host.strip("/"):
    raise ImproperlyConfigured("PUBLIC_SITE_URL must be the site's public address, e.g. https://registry.example.org")

# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
