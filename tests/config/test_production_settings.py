"""The production settings as a server loads them: what they require, and what they must not undo."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "registry.example.org",
    "DATABASE_URL": "postgres://registry@127.0.0.1:5432/registry",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PUBLIC_SITE_URL": "https://registry.example.org",
}
READ = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
    " for k in ('SESSION_COOKIE_AGE', 'SESSION_SAVE_EVERY_REQUEST', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
    " 'SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', 'DEBUG', 'CELERY_TASK_ALWAYS_EAGER',"
    " 'CELERY_TASK_REJECT_ON_WORKER_LOST', 'PUBLIC_SITE_URL')}))"
)


def load(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in REQUIRED}
    env.update({**REQUIRED, **overrides})
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_production_keeps_the_idle_timeout_secure_cookies_and_hsts():
    result = load()
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["SESSION_COOKIE_AGE"] == 30 * 60
    assert loaded["SESSION_SAVE_EVERY_REQUEST"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is loaded["CSRF_COOKIE_SECURE"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["DEBUG"] is False
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    assert loaded["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True


def test_production_refuses_to_start_without_a_broker():
    result = load(CELERY_BROKER_URL=None)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL" in result.stderr


def test_production_refuses_to_start_without_the_public_site_url():
    """The certificate's QR code and verify link print it: a default (127.0.0.1) would print a wrong address."""
    assert "PUBLIC_SITE_URL" in load(PUBLIC_SITE_URL=None).stderr
    refused = load(PUBLIC_SITE_URL="registry.example.org")
    assert refused.returncode != 0
    assert "PUBLIC_SITE_URL must be the site's public address" in refused.stderr
    loaded = load(PUBLIC_SITE_URL="https://registry.example.org")
    assert json.loads(loaded.stdout)["PUBLIC_SITE_URL"] == "https://registry.example.org"
