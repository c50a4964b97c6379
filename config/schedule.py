"""Every periodic job, in one place (Celery beat reads it as CELERY_BEAT_SCHEDULE). Times are Asia/Shanghai.

The daily run goes in the order the law needs: default first, then publication of listings whose grace is
over, then expiry, then the safety nets, then the open-data files of the day's list, then the check of the
list's invariants on the list the sweeps left. The health page checks
that each daily job succeeded recently (see `enforcement.jobs.recorded`, which records runs by task name).
"""

from celery.schedules import crontab

DAILY_JOBS = {
    # task name: (hour, minute)
    "enforcement.tasks.declare_defaults": (1, 0),
    "listings.tasks.publish_listings": (1, 15),
    "listings.tasks.expire_listings": (1, 30),
    "enforcement.tasks.close_paid_cases": (1, 45),
    "listings.tasks.end_sanctions_of_ended_cases": (2, 0),
    "listings.tasks.open_data_export": (3, 0),
    "enforcement.tasks.anonymise_expired_parties": (3, 30),
    # After the day's sweeps: whatever breaks the list's invariants now, no sweep will mend.
    "listings.tasks.report_list_violations": (4, 0),
    "appeals.tasks.flag_overdue_requests": (7, 0),
}

# task name: seconds between runs
FREQUENT_JOBS = {
    # The outbox's safety net: messages whose nudge found the broker down, and retries after back-off.
    "enforcement.tasks.outbox_relay": 30,
    # Carrier checks a replica answered while the primary was down, recorded once it is back (on this machine;
    # each web process flushes its own machine's spool too).
    "listings.tasks.check_spool_flush": 60,
}

CELERY_BEAT_SCHEDULE = {
    task.rsplit(".", 1)[1].replace("_", "-"): {"task": task, "schedule": crontab(hour=hour, minute=minute)}
    for task, (hour, minute) in DAILY_JOBS.items()
} | {
    task.rsplit(".", 1)[1].replace("_", "-"): {"task": task, "schedule": float(seconds)}
    for task, seconds in FREQUENT_JOBS.items()
}
