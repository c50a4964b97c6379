"""GET /health/: is the database answering, the broker, the shared cache, each replica (if any, with its lag),
and how old is the last successful daily run?

200 when all is well, 503 when something is not, with a JSON body saying which. Meant for a load balancer or
monitoring; it reveals nothing about cases.
"""

import datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from config import replicas
from config.schedule import DAILY_JOBS
from enforcement.models import JobRun


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process (no broker configured)"}
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls if isinstance(conn.transport_cls, str) else "ok"}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _cache() -> dict:
    """The shared cache (Redis in production). While it is down the rate limits count per process (config.cache):
    the site answers, but the operators must know."""
    backend = caches["default"]
    if not hasattr(backend, "ping"):
        return {"ok": True, "backend": type(backend).__name__}
    try:
        backend.ping()
        return {"ok": True, "backend": "redis"}
    except Exception as exc:
        return {"ok": False, "backend": "redis", "error": type(exc).__name__, "fallback": "per-process counts"}


def _daily_run() -> dict:
    limit = datetime.timedelta(hours=settings.DAILY_RUN_MAX_AGE_HOURS)
    now = timezone.now()
    jobs, ok = {}, True
    for name in DAILY_JOBS:
        last = (
            JobRun.objects.filter(name=name, succeeded=True)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        age = (now - last) if last else None
        fresh = age is not None and age <= limit
        ok = ok and fresh
        jobs[name] = {
            "last_success": last.isoformat() if last else None,
            "age_hours": round(age.total_seconds() / 3600, 1) if age is not None else None,
            "ok": fresh,
        }
    return {"ok": ok, "max_age_hours": settings.DAILY_RUN_MAX_AGE_HOURS, "jobs": jobs}


def _replicas() -> dict:
    """Each replica (DATABASE_REPLICA_URLS): reachable, and its replay lag within REPLICA_MAX_LAG_SECONDS. One
    that is not is skipped (the primary answers its reads), but the operators must know."""
    found = replicas.status()
    return {"ok": all(r["ok"] for r in found.values()), "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS, **found}


@never_cache
@require_GET
def health(request):
    report = {"database": _database(), "broker": _broker(), "cache": _cache()}
    if replicas.aliases():
        report["replicas"] = _replicas()
    report["daily_run"] = _daily_run() if report["database"]["ok"] else {"ok": False, "error": "no database"}
    healthy = all(part["ok"] for part in report.values())
    report["status"] = "ok" if healthy else "failing"
    return JsonResponse(report, status=200 if healthy else 503)
