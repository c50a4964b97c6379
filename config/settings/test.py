"""Tests: `local` plus a fast password hasher. DATABASE_URL and CELERY_BROKER_URL choose the real services."""

from .local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process unless a test starts a real worker (tests/conftest.py: `celery_worker`).
CELERY_TASK_ALWAYS_EAGER = True
DEBUG = False
# Static files are not collected for tests; WhiteNoise would warn that STATIC_ROOT is missing.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
