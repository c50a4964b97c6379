"""A daily job that loses the database mid-run is retried, and being idempotent finishes the work once."""

import datetime

import pytest
from django.db import OperationalError

from enforcement import services, tasks
from enforcement.jobs import JOB_OPTIONS
from enforcement.models import AuditEntry, CaseState, EnforcementCase, JobRun
from tests.enforcement.test_jobs import at, noticed_case

pytestmark = pytest.mark.django_db


def test_a_job_that_loses_the_database_is_retried_and_moves_each_case_once(walk, monkeypatch):
    cases = [noticed_case(walk, datetime.date(2026, 3, 2)) for _ in range(3)]
    real = services.cases_transition_many
    calls = []

    def flaky(*, case_ids, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            ids = list(case_ids)
            real(case_ids=ids[:1], **kwargs)  # one batch commits, then the connection drops
            raise OperationalError("server closed the connection unexpectedly")
        return real(case_ids=case_ids, **kwargs)

    monkeypatch.setattr(services, "cases_transition_many", flaky)
    with at(datetime.date(2026, 4, 1)):
        # In-process, as a worker would run it: the retry is run at once instead of after its back-off.
        result = tasks.declare_defaults.apply(throw=False)
    assert result.successful(), result.result

    assert len(calls) == 2
    assert set(EnforcementCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True)) == {
        CaseState.DEFAULTED
    }
    assert AuditEntry.objects.filter(action="declare_default").count() == 3  # none twice
    runs = JobRun.objects.filter(name="enforcement.tasks.declare_defaults").order_by("started_at")
    assert [run.succeeded for run in runs] == [False, True]
    assert runs[1].processed == 2


def test_every_scheduled_job_retries_on_database_errors_and_acks_late():
    from config.celery import app
    from config.schedule import DAILY_JOBS

    app.loader.import_default_modules()
    for name in DAILY_JOBS:
        task = app.tasks[name]
        assert task.acks_late, name
        assert OperationalError in task.autoretry_for, name
        assert task.max_retries == JOB_OPTIONS["max_retries"], name
