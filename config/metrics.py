"""GET /metrics: what operators watch, in the Prometheus text format (prometheus-client).

Two kinds of figures:
- Counted as things happen, by the process that serves them: requests and their latency per URL name, method and
  status class (a histogram), and carrier checks per category and answer. Under gunicorn every worker counts its
  own: with PROMETHEUS_MULTIPROC_DIR set (prometheus-client's multiprocess mode) each worker writes its counts to
  memory-mapped files there, and a scrape, whichever worker answers it, adds up the files of every worker. Unset
  (the quick start's one process, the tests), the counts live in this process's memory.
- Read from the database when scraped, so that every worker answers the same: the feed's lag, the outbox's backlog
  and dead letters, each daily job's last success, and one gauge per dependency `/health/` checks. Each is an
  index probe or a count of rows that should be few (docs/alerts.yml says what to do when they are not).

Labels are names from a short fixed list (a URL pattern's name, never a path; a category; a job's task name),
so the number of series stays bounded whatever the traffic.

Nobody may read it but the operators: a request bearing `Authorization: Bearer <METRICS_TOKEN>`, or a superuser
signed in to the staff site (password and second factor). Anyone else gets the site's 404, as for a page that
does not exist, whether they sent no token or a wrong one; with METRICS_TOKEN unset no token opens it.
"""

import collections
import hmac
import logging
import os
import time

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from config import health, replicas
from config.schedule import DAILY_JOBS
from enforcement import selectors as enforcement_selectors
from enforcement.models import JobRun, OutboxMessage
from enforcement.rules import RestrictionCategory
from listings.feed import BOUND_SQL
from listings.models import FeedEvent
from listings.services import check_records

logger = logging.getLogger(__name__)

# prometheus-client writes the counts of multiprocess mode there from the first request on: a directory that does
# not exist would fail every request, so it is made (emptying it at each start is the operator's, see the README).
if settings.PROMETHEUS_MULTIPROC_DIR:
    os.makedirs(settings.PROMETHEUS_MULTIPROC_DIR, exist_ok=True)

# The metrics this process counts. In multiprocess mode prometheus-client keeps their values in files and this
# registry is not read: the scrape reads the files (see `scrape`).
LIVE = CollectorRegistry()

REQUEST_SECONDS = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer a request, from the first middleware to the last, per URL name, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=LIVE,
)
CARRIER_CHECKS = Counter(
    "registry_carrier_checks",
    "Numbers answered to carriers, per category and answer (restricted, not_restricted, invalid).",
    ["category", "answer"],
    registry=LIVE,
)

_children: dict = {}


def _child(metric, *labels):
    """`metric.labels(*labels)`, remembered: labels() takes a lock and builds a key each time (3 us, twice per
    carrier check). The label values come from short fixed lists, so this stays small."""
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
CATEGORIES = frozenset(RestrictionCategory.values)
ANSWERS = {True: "restricted", False: "not_restricted", None: "invalid"}
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


def route_of(request) -> str:
    """The name of the URL pattern that answered (`listings:search`, `admin:index`), its pattern if it has no name,
    `static` (a file WhiteNoise served before any pattern was tried) or `unmatched` (a 404 no pattern matched):
    never the path, which carries case numbers and whatever a client makes up."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path_info.startswith(STATIC_PREFIX) else "unmatched"
    return match.view_name if match.url_name else match.route


class RequestMetricsMiddleware:
    """Times every request and counts it under its route, method and status class. First in MIDDLEWARE, so the
    time includes the other middleware (sessions, rate limits) and an error page counts as the 5xx it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        status = f"{response.status_code // 100}xx"
        _child(REQUEST_SECONDS, route_of(request), method, status).observe(time.perf_counter() - started)
        return response


def carrier_checks_counted(category: str, results: list) -> list:
    """Count the answers of one carrier check, and hand them back (`listings.services.checks.carrier_checks_answer`
    returns through it)."""
    category = category if category in CATEGORIES else "other"
    if len(results) == 1:  # most checks ask about one number
        _child(CARRIER_CHECKS, category, ANSWERS[results[0].restricted]).inc()
        return results
    for answer, count in collections.Counter(ANSWERS[result.restricted] for result in results).items():
        _child(CARRIER_CHECKS, category, answer).inc(count)
    return results


# --- read when scraped --------------------------------------------------------------------------------------------


def _seconds_since(moment) -> float:
    return max(0.0, (timezone.now() - moment).total_seconds()) if moment is not None else 0.0


def feed_metrics():
    """The newest event and how long ago it was recorded (the last id stands for the number of events: they are
    never deleted), and the lag: how long the oldest event the feed does not serve yet has been waiting (on
    PostgreSQL an event waits while an older transaction runs; 0 when the feed serves everything). Two probes of
    the feed's indexes (primary key, (xid, id))."""
    newest = FeedEvent.objects.order_by("-id").values_list("id", "at").first()
    waiting = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT at FROM {FeedEvent._meta.db_table} "  # noqa: S608 - fixed names only
                f"WHERE xid >= ({BOUND_SQL}) ORDER BY xid, id LIMIT 1"
            )
            row = cursor.fetchone()
            waiting = row[0] if row else None
    last_id = GaugeMetricFamily(
        "registry_feed_last_event_id", "Id of the newest change-feed event (events are never deleted)."
    )
    last_id.add_metric([], newest[0] if newest else 0)
    age = GaugeMetricFamily(
        "registry_feed_newest_event_age_seconds", "Seconds since the newest change-feed event was recorded."
    )
    if newest:
        age.add_metric([], _seconds_since(newest[1]))
    lag = GaugeMetricFamily(
        "registry_feed_lag_seconds",
        "Seconds the oldest committed feed event not yet served has waited (an older transaction still runs); "
        "0 when the feed serves every committed event.",
    )
    lag.add_metric([], _seconds_since(waiting))
    return [last_id, age, lag]


def outbox_metrics():
    """Messages waiting to be sent (the relay's partial index holds exactly these), how overdue the most overdue
    of them is, and the dead letters (given up after the last attempt: someone must act)."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
    oldest_due = pending.order_by("due_at", "id").values_list("due_at", flat=True).first()
    backlog = GaugeMetricFamily("registry_outbox_pending", "Outgoing messages not sent yet and not given up.")
    backlog.add_metric([], pending.count())
    overdue = GaugeMetricFamily(
        "registry_outbox_overdue_seconds",
        "Seconds since the most overdue pending message was due (0: none is due; the relay runs every 30 s).",
    )
    overdue.add_metric([], _seconds_since(oldest_due))
    dead = GaugeMetricFamily(
        "registry_outbox_dead_letters", "Outgoing messages given up after the last attempt (see the admin)."
    )
    dead.add_metric([], enforcement_selectors.failed_messages().count())
    return [backlog, overdue, dead]


def job_metrics():
    """Each daily job's last success (0: never) and how long that run took: one probe of the job-run index each."""
    last = GaugeMetricFamily(
        "registry_job_last_success_timestamp_seconds",
        "Unix time of the end of the job's last successful run (0: it never succeeded).",
        labels=["job"],
    )
    took = GaugeMetricFamily(
        "registry_job_last_success_duration_seconds", "How long the job's last successful run took.", labels=["job"]
    )
    for name in DAILY_JOBS:
        run = (
            JobRun.objects.filter(name=name, succeeded=True)
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")
            .first()
        )
        last.add_metric([name], run[1].timestamp() if run else 0)
        if run:
            took.add_metric([name], max(0.0, (run[1] - run[0]).total_seconds()))
    return [last, took]


def dependency_metrics(database_ok: bool):
    """One gauge per dependency `/health/` checks, asked the same way."""
    up = GaugeMetricFamily(
        "registry_dependency_up", "1 if the dependency answers (as /health/ asks it), 0 if not.", labels=["dependency"]
    )
    up.add_metric(["database"], int(database_ok))
    up.add_metric(["broker"], int(health._broker()["ok"]))
    up.add_metric(["cache"], int(health._cache()["ok"]))
    return [up]


def replica_metrics():
    """Each replica's replay lag, and whether it is read (reachable, within the bound): asked as /health/ asks."""
    lag = GaugeMetricFamily(
        "registry_replica_lag_seconds", "Replay lag of each replica (config.replicas), seconds.", labels=["replica"]
    )
    up = GaugeMetricFamily(
        "registry_replica_up",
        "1 if the replica answers with its lag within REPLICA_MAX_LAG_SECONDS.",
        labels=["replica"],
    )
    for alias, state in replicas.status().items():
        up.add_metric([alias], int(state["ok"]))
        if state["lag_seconds"] is not None:
            lag.add_metric([alias], state["lag_seconds"])
    return [lag, up]


def check_spool_metrics():
    """Carrier checks answered by a replica while the primary was down, not yet recorded on it (this machine)."""
    waiting = GaugeMetricFamily(
        "registry_check_spool_files", "Files of carrier checks waiting in this machine's spool for the primary."
    )
    waiting.add_metric([], check_records.spool_status()["files"])
    return [waiting]


class ScrapeTimeCollector:
    """The figures read from the database on each scrape. A part that fails is left out (and logged), never a 500:
    with the database down, `registry_dependency_up{dependency="database"}` still says so."""

    def collect(self):
        database_ok = health._database()["ok"]
        yield from dependency_metrics(database_ok)
        yield from check_spool_metrics()
        if replicas.aliases():
            yield from replica_metrics()
        if not database_ok:
            return
        for part in (feed_metrics, outbox_metrics, job_metrics):
            try:
                yield from part()
            except Exception:
                logger.exception("metrics: %s failed", part.__name__)


class LiveCollector:
    """This process's own counts (used when PROMETHEUS_MULTIPROC_DIR is unset)."""

    def collect(self):
        return LIVE.collect()


def scrape() -> bytes:
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        registry.register(LiveCollector())
    registry.register(ScrapeTimeCollector())
    return generate_latest(registry)


def _authorised(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header[:7].lower() == "bearer ":
        # Compared in constant time, as bytes (a header may hold any Latin-1 text).
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.is_superuser
        and user.is_verified()  # the second factor, as the staff site asks (django_otp.middleware.OTPMiddleware)
    )


@csrf_exempt  # it changes nothing; exempt, a POST without the token meets the same 404 as for no page at all
@never_cache
def metrics(request):
    if not _authorised(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
