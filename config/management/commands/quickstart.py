"""Migrate, load the demo data if the database is empty, print where to log in, and serve."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.management.commands.demo_data import DEMO_PASSWORD, demo_second_factors, demo_summary


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up and print, but do not start the server")

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("demo_data")
        call_command("collectstatic", interactive=False, verbosity=0)
        totp_key = demo_second_factors()
        counts = ", ".join(f"{n} {label}" for label, n in demo_summary().items())
        host, _, port = addrport.rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}"
        if not settings.PUBLIC_SITE_URL:
            # The address this server answers on is the public site's: links in e-mails and on certificates.
            settings.PUBLIC_SITE_URL = url
        database = settings.DATABASES["default"]
        self.stdout.write(
            self.style.SUCCESS(
                "\n"
                "Enforcement Registry is ready.\n"
                f"  Public list: {url}/\n"
                f"  Clerk site:  {url}/admin/\n"
                f"  Clerk login:     clerk / {DEMO_PASSWORD}   (Dongcheng District Court)\n"
                f"  Approver login:  approver / {DEMO_PASSWORD}\n"
                f"  Superuser:       admin / {DEMO_PASSWORD}\n"
                f"  Second factor:   every demo login also asks for a 6-digit code. Add the key {totp_key}\n"
                "                   to an authenticator app, or run `.venv/bin/python manage.py totp_code clerk`.\n"
                f"  Demo data:   {counts}\n"
                f"  Database:    {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}\n"
                f"  Tasks:       {'in-process' if settings.CELERY_TASK_ALWAYS_EAGER else settings.CELERY_BROKER_URL}\n"
            )
        )
        if not no_serve:
            call_command("runserver", addrport, use_reloader=False)
