"""The Celery application. Periodic jobs are declared in `config.schedule`, nowhere else."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("enforcement_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
