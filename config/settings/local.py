"""The embedded default: one command shows the whole application on this machine, nothing else to set up."""

from .base import *  # noqa: F403
from .base import BASE_DIR, databases_from_env, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
DATABASES = databases_from_env(f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
