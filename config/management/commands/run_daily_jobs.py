"""Run the daily jobs now, in order, in this process: for a deployment without Celery beat (cron), for the
embedded default, or by hand. Each run is recorded like a scheduled one."""

import importlib

from django.core.management.base import BaseCommand, CommandError

from config.schedule import DAILY_JOBS


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("jobs", nargs="*", help="task names (default: every daily job, in schedule order)")

    def handle(self, *args, jobs, **options):
        unknown = sorted(set(jobs) - set(DAILY_JOBS))
        if unknown:
            raise CommandError(f"Unknown job(s): {', '.join(unknown)}. Daily jobs: {', '.join(DAILY_JOBS)}")
        failed = []
        for name in sorted(jobs or DAILY_JOBS, key=lambda n: DAILY_JOBS[n]):
            module, function = name.rsplit(".", 1)
            task = getattr(importlib.import_module(module), function)
            try:
                counts = task()
            except Exception as exc:
                failed.append(name)
                self.stderr.write(self.style.ERROR(f"{name}: failed: {type(exc).__name__}: {exc}"))
            else:
                self.stdout.write(f"{name}: {counts}")
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
