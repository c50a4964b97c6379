"""A worker killed (SIGKILL) in the middle of a daily job: the job's message was not acknowledged (acks_late),
so the broker hands it to the next worker, which finishes the job; every case moves once, with one audit row.
Real worker processes on RabbitMQ (which requeues a dead consumer's messages at once) and PostgreSQL."""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.db.models import F

from config.celery import app
from enforcement.models import AuditEntry, CaseState, EnforcementCase, JobRun
from tests.brokers import use_broker
from tests.servers import ROOT, database_url_of_tests

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]

RABBITMQ = os.environ.get("CI_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
DUE = 30_000


def overdue_cases(walk, count: int) -> None:
    """One case through the real services, then `count - 1` copies of it (the job does not care who they are)."""
    case = walk.case(filed_on=datetime.date(2026, 3, 1))
    walk.notice(case, served_on=datetime.date(2026, 3, 2))
    row = EnforcementCase.objects.filter(pk=case.pk).values().get()
    del row["id"]
    copies = [EnforcementCase(**{**row, "case_number": f"{row['case_number']}-{i}"}) for i in range(1, count)]
    EnforcementCase.objects.bulk_create(copies, batch_size=5000)


def worker(queue: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own celery with fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", queue, "-l", "warning"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url_of_tests(),
            "CELERY_BROKER_URL": RABBITMQ,
        },
    )


def defaulted() -> int:
    return EnforcementCase.objects.filter(state=CaseState.DEFAULTED).count()


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_worker_and_nothing_twice(walk):
    overdue_cases(walk, DUE)
    assert EnforcementCase.objects.filter(state=CaseState.JUDGMENT, amount_paid__lt=F("amount_due")).count() == DUE
    queue = f"test-killed-{uuid.uuid4().hex[:8]}"
    shared = os.environ["CELERY_BROKER_URL"]
    use_broker(RABBITMQ)
    first = worker(queue)
    try:
        app.send_task("enforcement.tasks.declare_defaults", queue=queue)
        deadline = time.monotonic() + 60
        while defaulted() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)  # mid-job: a first batch has committed
        first.wait(10)
        done_when_killed = defaulted()
        assert 0 < done_when_killed < DUE, done_when_killed

        second = worker(queue)
        try:
            deadline = time.monotonic() + 120
            while defaulted() < DUE and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
        use_broker(shared)

    assert defaulted() == DUE
    assert AuditEntry.objects.filter(action="declare_default").count() == DUE  # none twice, none lost
    runs = list(JobRun.objects.filter(name="enforcement.tasks.declare_defaults").order_by("started_at"))
    assert [run.succeeded for run in runs] == [None, True]  # the killed run never finished; the redelivery did
    assert runs[1].processed == DUE - done_when_killed
