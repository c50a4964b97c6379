"""GET /metrics: only for the operators' token or a superuser, in the Prometheus text format, counting what
happens (requests, carrier checks, across worker processes) and reading the rest from the database when scraped."""

import datetime
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from config import metrics as metrics_module
from config.schedule import DAILY_JOBS
from enforcement import selectors as enforcement_selectors
from enforcement.models import JobRun, OutboxMessage
from enforcement.services.outbox import outbox_email
from listings.models import FeedEvent
from tests.factories import PersonFactory
from tests.listings.api.conftest import client_with, issue_key

pytestmark = pytest.mark.django_db

URL = "/metrics"
TOKEN = "s3cret-scrape-token"
ALERTS = Path(django_settings.BASE_DIR) / "docs" / "alerts.yml"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict:
    """{(sample name, frozenset of labels): value} of one scrape with the token."""
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    families = text_string_to_metric_families(response.content.decode())
    return {(s.name, frozenset(s.labels.items())): s.value for family in families for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- who may read it ---------------------------------------------------------------------------------------------


def test_with_no_token_set_nobody_gets_in_with_any_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get(URL).status_code == 404
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_missing_or_wrong_token_is_a_404_that_tells_nothing(client, token):
    missing = client.get(URL)
    wrong = client.get(URL, HTTP_AUTHORIZATION="Bearer not-the-token")
    other_scheme = client.get(URL, HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    unknown_page = client.get("/no-such-page")
    assert missing.status_code == wrong.status_code == other_scheme.status_code == unknown_page.status_code == 404
    assert b"registry_" not in wrong.content


def test_a_token_that_is_not_ascii_or_is_garbage_is_a_404_not_a_500(client, token):
    for header in ("Bearer ключ", "Bearer \x00\xff", "Bearer", "bearer  ", "x" * 10_000):
        assert client.get(URL, HTTP_AUTHORIZATION=header).status_code == 404


def test_the_right_token_reads_the_prometheus_text_format(client, token):
    response = client.get(URL, HTTP_AUTHORIZATION=f"bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {
        "registry_http_request_duration_seconds",
        "registry_dependency_up",
        "registry_feed_lag_seconds",
        "registry_feed_newest_event_age_seconds",
        "registry_feed_last_event_id",
        "registry_outbox_pending",
        "registry_outbox_overdue_seconds",
        "registry_outbox_dead_letters",
        "registry_job_last_success_timestamp_seconds",
    } <= names


def test_only_get_is_answered_and_a_post_without_the_token_is_the_same_404(token):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    assert client.post(URL).status_code == 404  # not the CSRF check's 403, which would say the page exists
    assert client.post("/no-such-page").status_code == 404


def test_a_superuser_signed_in_reads_it_and_other_staff_do_not(client, settings, superuser, clerk):
    settings.METRICS_TOKEN = ""
    client.force_login(clerk)
    assert client.get(URL).status_code == 404
    client.force_login(superuser)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"registry_dependency_up" in response.content


def test_a_superuser_without_the_second_factor_does_not(client, superuser):
    client.force_login(superuser)
    session = client.session
    session.pop("otp_device_id")
    session.save()
    assert client.get(URL).status_code == 404


# --- what it counts ----------------------------------------------------------------------------------------------


def test_a_request_to_a_page_moves_its_routes_counter_and_never_names_the_path(client, token):
    before = scrape(client)
    assert client.get("/health/").status_code == 503  # no daily run yet: a 5xx, counted as one
    client.get("/no-such-page/4401012345")
    after = scrape(client)
    count = "registry_http_request_duration_seconds_count"
    assert value(after, count, route="health", method="GET", status="5xx") == (
        value(before, count, route="health", method="GET", status="5xx") + 1
    )
    assert value(after, count, route="unmatched", method="GET", status="4xx") == (
        value(before, count, route="unmatched", method="GET", status="4xx") + 1
    )
    text = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert "4401012345" not in text
    assert "no-such-page" not in text


def test_a_carrier_check_counts_each_number_by_category_and_answer(client, token, walk):
    restricted = walk.restricted()  # air travel and high-speed rail
    carrier = client_with(issue_key()[1])
    before = scrape(client)
    numbers = [restricted.debtor.id_number, PersonFactory.build().id_number, "110101199003072"]  # the last: no date
    response = carrier.post("/api/v1/checks/batch/", {"id_numbers": numbers, "category": "air_travel"}, format="json")
    assert response.status_code == 200
    carrier.post("/api/v1/checks/", {"id_number": numbers[1], "category": "rail_high_speed"}, format="json")
    after = scrape(client)
    checks = "registry_carrier_checks_total"
    moved = {
        (category, answer): value(after, checks, category=category, answer=answer)
        - value(before, checks, category=category, answer=answer)
        for category in ("air_travel", "rail_high_speed")
        for answer in ("restricted", "not_restricted", "invalid")
    }
    assert moved == {
        ("air_travel", "restricted"): 1,
        ("air_travel", "not_restricted"): 1,
        ("air_travel", "invalid"): 1,
        ("rail_high_speed", "restricted"): 0,
        ("rail_high_speed", "not_restricted"): 1,
        ("rail_high_speed", "invalid"): 0,
    }
    batch = "registry_http_request_duration_seconds_count"
    assert value(after, batch, route="api:carrier-check-batch", method="POST", status="2xx") >= 1


def test_counts_of_several_worker_processes_add_up(client, token, settings, tmp_path):
    """prometheus-client's multiprocess mode, as under gunicorn: two short-lived processes count, then a scrape
    (by a process that counted nothing) adds up both."""
    child = (
        "import django; django.setup()\n"
        "from config import metrics\n"
        "metrics.CARRIER_CHECKS.labels('air_travel', 'restricted').inc(2)\n"
        "metrics.REQUEST_SECONDS.labels('health', 'GET', '2xx').observe(0.02)\n"
    )
    directory = tmp_path / "metrics"  # not there yet: the first process makes it
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for _ in range(2):
        subprocess.run(  # noqa: S603 - this interpreter, a fixed script
            [sys.executable, "-c", child], env=env, cwd=settings.BASE_DIR, check=True, timeout=120
        )
    settings.PROMETHEUS_MULTIPROC_DIR = str(directory)
    samples = scrape(client)
    assert value(samples, "registry_carrier_checks_total", category="air_travel", answer="restricted") == 4
    assert (
        value(samples, "registry_http_request_duration_seconds_count", route="health", method="GET", status="2xx") == 2
    )
    assert value(samples, "registry_dependency_up", dependency="database") == 1  # and the scrape-time part


# --- what it reads when scraped ----------------------------------------------------------------------------------


def test_a_daily_job_run_shows_its_last_success_and_duration(client, token, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    job = "listings.tasks.publish_listings"
    assert value(scrape(client), "registry_job_last_success_timestamp_seconds", job=job) == 0  # never ran
    call_command("run_daily_jobs", stdout=open(os.devnull, "w"))  # noqa: SIM115
    samples = scrape(client)
    last = JobRun.objects.filter(name=job, succeeded=True).latest("finished_at")
    assert value(samples, "registry_job_last_success_timestamp_seconds", job=job) == pytest.approx(
        last.finished_at.timestamp()
    )
    assert value(samples, "registry_job_last_success_duration_seconds", job=job) == pytest.approx(
        (last.finished_at - last.started_at).total_seconds()
    )
    assert {
        dict(labels)["job"] for name, labels in samples if name == "registry_job_last_success_timestamp_seconds"
    } == set(DAILY_JOBS)


def test_the_feed_shows_its_newest_event(client, token, walk):
    assert value(scrape(client), "registry_feed_last_event_id") == 0
    walk.restricted()  # writes the order's events
    samples = scrape(client)
    assert value(samples, "registry_feed_last_event_id") > 0
    assert 0 <= value(samples, "registry_feed_newest_event_age_seconds") < 60
    # Held back only while the writing transaction is open: on PostgreSQL this test's own (its events are not
    # committed); the lag of committed events is the PostgreSQL test below.
    assert 0 <= value(samples, "registry_feed_lag_seconds") < 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_an_older_transaction_holds_back_shows_as_feed_lag_until_it_ends(client, token, walk):
    holding, release, errors = threading.Event(), threading.Event(), []

    def older_transaction():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_current_xact_id()")  # takes a transaction id, as a writer does
                holding.set()
                assert release.wait(30)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=older_transaction)
    thread.start()
    try:
        assert holding.wait(30)
        walk.restricted()  # its events commit, with transaction ids after the one still running
        FeedEvent.objects.update(at=timezone.now() - datetime.timedelta(minutes=2))
        held = value(scrape(client), "registry_feed_lag_seconds")
    finally:
        release.set()
        thread.join(30)
    assert not errors
    assert 110 < held < 300
    assert value(scrape(client), "registry_feed_lag_seconds") == 0


def test_the_outbox_shows_its_backlog_and_dead_letters(client, token):
    outbox_email(to="a@example.com", subject="s", body="b")
    overdue = outbox_email(to="b@example.com", subject="s", body="b")
    dead = outbox_email(to="c@example.com", subject="s", body="b")
    OutboxMessage.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    OutboxMessage.objects.filter(pk=dead.pk).update(failed_at=timezone.now(), last_error="SMTP 550")
    samples = scrape(client)
    assert value(samples, "registry_outbox_pending") == 2
    assert value(samples, "registry_outbox_dead_letters") == 1
    assert 3500 < value(samples, "registry_outbox_overdue_seconds") < 3700


@pytest.mark.postgres
def test_the_dead_letters_are_counted_from_their_own_index_not_the_whole_outbox(db):
    sql, params = enforcement_selectors.failed_messages().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # could an index serve it? (a tiny table is scanned)
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) AS dead", params)  # noqa: S608 - our own query
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "outbox_failed_idx" in plan, plan


def test_each_dependency_health_checks_has_a_gauge(client, token, settings):
    assert {
        dependency: value(scrape(client), "registry_dependency_up", dependency=dependency)
        for dependency in ("database", "broker", "cache")
    } == {"database": 1, "broker": 1, "cache": 1}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    samples = scrape(client)
    assert value(samples, "registry_dependency_up", dependency="broker") == 0
    assert value(samples, "registry_dependency_up", dependency="database") == 1


def test_a_part_that_fails_is_left_out_and_the_rest_still_answers(client, token, monkeypatch, caplog):
    def broken():
        raise RuntimeError("the feed's table is locked")

    monkeypatch.setattr(metrics_module, "feed_metrics", broken)
    samples = scrape(client)
    assert value(samples, "registry_dependency_up", dependency="database") == 1
    assert ("registry_outbox_pending", frozenset()) in samples
    assert not any(name.startswith("registry_feed_") for name, _labels in samples)
    assert "metrics: broken failed" in caplog.text


def test_a_scrape_costs_the_same_few_queries_however_many_rows(client, token, walk, django_assert_max_num_queries):
    for _ in range(3):
        walk.restricted()
    # database probe 1, feed 1 (2 on PostgreSQL), outbox 3, jobs one per daily job
    with django_assert_max_num_queries(1 + 2 + 3 + len(DAILY_JOBS)):
        scrape(client)


# --- the alert rules ---------------------------------------------------------------------------------------------


def test_every_alert_rule_is_well_formed_and_names_only_metrics_that_exist(client, token):
    rules = [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]
    names = {name for name, _labels in scrape(client)}
    names |= {"registry_carrier_checks_total"}  # present once a check was answered
    names |= {"registry_replica_up", "registry_replica_lag_seconds"}  # with replicas (tests/config/test_replicas.py)
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["alert"])
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"]
        assert rule["expr"].count("(") == rule["expr"].count(")")
        metrics = set(re.findall(r"\bregistry_[a-z0-9_]+", rule["expr"]))
        assert metrics, rule["alert"]
        assert metrics <= names, (rule["alert"], metrics - names)
    dependencies = {m for rule in rules for m in re.findall(r'dependency="(\w+)"', rule["expr"])}
    assert dependencies == {"database", "broker", "cache"}  # one rule per dependency /health/ checks
    exprs = " ".join(rule["expr"] for rule in rules)
    for watched in ("registry_job_last_success_timestamp_seconds", "registry_feed_lag_seconds"):
        assert watched in exprs
    assert "registry_outbox_dead_letters" in exprs
