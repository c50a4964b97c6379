"""GET /health/ answers 200 when the database, the broker and the daily run are fine, 503 saying which is not."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.schedule import DAILY_JOBS
from enforcement.models import JobRun

pytestmark = pytest.mark.django_db


def test_healthy_after_a_daily_run(client, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    call_command("run_daily_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"]
    assert set(body["daily_run"]["jobs"]) == set(DAILY_JOBS)
    assert all(job["ok"] and job["age_hours"] < 1 for job in body["daily_run"]["jobs"].values())


def test_a_daily_job_that_never_ran_or_last_succeeded_too_long_ago_fails_the_check(client, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    call_command("run_daily_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    stale = timezone.now() - datetime.timedelta(hours=settings.DAILY_RUN_MAX_AGE_HOURS + 1)
    JobRun.objects.filter(name="listings.tasks.publish_listings").update(finished_at=stale)
    response = client.get("/health/")
    assert response.status_code == 503
    job = response.json()["daily_run"]["jobs"]["listings.tasks.publish_listings"]
    assert job["ok"] is False
    assert job["age_hours"] > settings.DAILY_RUN_MAX_AGE_HOURS


def test_an_unreachable_broker_fails_the_check(client, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    call_command("run_daily_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["database"]["ok"] is True
