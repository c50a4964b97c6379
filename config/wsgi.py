import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Load every view now, then move all that is loaded out of reach of the garbage collector's full collections: they
# scanned the whole application on every run, and a batch check (1,000 numbers, many small objects) set one off
# every twenty requests or so, a pause of 66 ms that was the batch's p95 (bench/profile.py: p95 82 ms, 28 ms
# frozen; full collections of 9 ms). What requests allocate is still collected.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views it names
gc.freeze()
