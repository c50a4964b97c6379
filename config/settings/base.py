"""Settings shared by every environment, read from the environment (12-factor).

`local` gives the embedded defaults (SQLite, tasks in-process, mail to the console); `production` gives none
for secrets and refuses to start without them; `test` is `local` plus what tests need.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.schedule import CELERY_BEAT_SCHEDULE as BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A `.env` file next to manage.py is read if present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "config",
    "enforcement",
    "listings",
    "appeals",
]

MIDDLEWARE = [
    # First: times the whole request and counts it, an error page included (GET /metrics).
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SiteCSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def databases_from_env(default: str | None) -> dict:
    """DATABASES: the primary (DATABASE_URL, else `default`), and a `replica_N` alias for each URL of
    DATABASE_REPLICA_URLS (PostgreSQL hot standbys of it, comma-separated; none by default), which
    `config.replicas` sends the public reads and the carriers' checks to."""
    primary = env.db_url("DATABASE_URL", default=default) if default else env.db_url("DATABASE_URL")
    databases = {"default": database_options(primary)}
    for n, url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
        replica = database_options(env.db_url_config(url))
        if replica["ENGINE"] != primary["ENGINE"] or "sqlite" in replica["ENGINE"]:
            raise ImproperlyConfigured("DATABASE_REPLICA_URLS are PostgreSQL standbys of the DATABASE_URL primary.")
        # A test run reads the test database through the alias (Django creates no test database for it). No
        # health check (a query per request on each connection): a replica's broken connection fails its first
        # query, and config.replicas answers the request again elsewhere and measures the replica anew.
        databases[f"replica_{n}"] = {**replica, "CONN_HEALTH_CHECKS": False, "TEST": {"MIRROR": "default"}}
    return databases


def database_options(config: dict) -> dict:
    """A DATABASES entry with the options each engine needs here."""
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so two requests acting on the same case
        # queue instead of failing half-way; WAL lets readers go on meanwhile.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
        config["CONN_HEALTH_CHECKS"] = True
        # Server-side binding, and psycopg preparing a statement once it has run DB_PREPARE_THRESHOLD times on a
        # connection: PostgreSQL can then keep one generic plan instead of planning the same search or check
        # again and again (it does once a generic plan's estimate is no worse than the custom plans': the single
        # check's statement is shaped for that, listings.checks; docs/benchmarks.md). Django turns
        # preparing off unless asked, for the sake of transaction-pooling proxies: behind PgBouncer in
        # transaction mode, set DB_PREPARE_THRESHOLD=off.
        options = config.setdefault("OPTIONS", {})
        options["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
        threshold = env("DB_PREPARE_THRESHOLD", default="5")
        options["prepare_threshold"] = None if threshold.lower() in ("off", "none", "") else int(threshold)
        # A database that does not answer fails in seconds (a 503, or a replica skipped), never hangs a worker.
        options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
    config["ATOMIC_REQUESTS"] = False
    return config


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Replicas (config.replicas): a replica is read while its replay lag is at most REPLICA_MAX_LAG_SECONDS, measured
# by each process at most every REPLICA_CHECK_SECONDS; once the primary fails to answer, replica-eligible reads
# skip it for PRIMARY_DOWN_SECONDS.
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10.0)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=2.0)
PRIMARY_DOWN_SECONDS = env.float("PRIMARY_DOWN_SECONDS", default=5.0)

# --- Staff login: password (validated) + a TOTP code (django-otp, required by the admin site), a lockout after
# repeated failures (django-axes, per username), and sessions that end after a spell of inactivity.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
# Either trips the lock: one account tried from many addresses, or one address trying many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "config.clientip.client_ip"  # the client behind the proxy, not the proxy
OTP_TOTP_ISSUER = "Enforcement Registry"
SESSION_ENGINE = "config.sessions"  # the database store, refusing forged keys before they reach the database
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle session ends
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

# --- Celery: no broker configured means tasks run in-process, right after the transaction commits.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
# A worker child killed mid-task (OOM, the hard time limit) puts its message back instead of acknowledging it:
# the tasks are idempotent, so running one again is safe, while losing it is not.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
# A daily job whose last success is older than this makes the health check fail.
DAILY_RUN_MAX_AGE_HOURS = env.int("DAILY_RUN_MAX_AGE_HOURS", default=26)

# --- GET /metrics (config.metrics): readable with `Authorization: Bearer <METRICS_TOKEN>` or by a signed-in
# superuser; with no token set, no token opens it. Under gunicorn with several workers PROMETHEUS_MULTIPROC_DIR
# names an empty directory, emptied before each start, where every worker writes its counts so that a scrape adds
# them up (prometheus-client reads the variable itself, before the first metric is made). Unset: one process.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")

# --- Mail
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Enforcement Registry <no-reply@registry.invalid>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParserRefusingDeepNesting",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Enforcement Registry API",
    "DESCRIPTION": "Carrier restriction checks, the change feed, the public list, and the court systems' API.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, however many fields use it (the court systems' API uses these in several places).
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "enforcement.models.cases.CaseState",
        "ClosingReasonEnum": "enforcement.rules.ClosingReason",
        "LiftReasonEnum": "enforcement.rules.LiftReason",
        "RestrictionCategoryEnum": "enforcement.rules.RestrictionCategory",
        "TemporaryLiftReasonEnum": "listings.models.TemporaryLift.Reason",
        "IntakeFormatEnum": "enforcement.models.intake.IntakeBatch.Format",
    },
}

LOGIN_URL = "admin:login"

# --- Security headers on every page (production adds HSTS and secure cookies).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Cache: rate limits and statistics. Use Redis in production so every web worker shares the counts.
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def cache_from_env(default: str | None) -> dict:
    """CACHE_URL -> the default cache. Redis gets the local fallback of `config.cache` (an outage is logged and
    counted per process, never a 500) and short socket timeouts (options in the URL win), so that a Redis that
    does not answer costs a request half a second, not a hang."""
    config = env.cache_url("CACHE_URL", default=default) if default else env.cache_url("CACHE_URL")
    if config["BACKEND"] == REDIS_CACHE:
        config["BACKEND"] = "config.cache.RedisCacheWithLocalFallback"
        options = config.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
    return config


CACHES = {"default": cache_from_env("locmemcache://")}

# --- Rate limits of the public pages, per client address (config.ratelimits). A person never meets them;
# a scraper soon does. Behind a reverse proxy, CLIENT_IP_META_KEY names the header that carries the client's
# address (see config.clientip: the rate limits, the login lockout and the access log all count by it).
CLIENT_IP_META_KEY = env("CLIENT_IP_META_KEY", default="REMOTE_ADDR")
PUBLIC_SEARCH_RATE = env("PUBLIC_SEARCH_RATE", default="30/m")
PUBLIC_PAGE_RATE = env("PUBLIC_PAGE_RATE", default="120/m")

# --- Carriers' API: each key's rate unless the key sets its own; the key of the HMAC that the check log keeps
# instead of ID numbers (empty: derived from SECRET_KEY; changing it makes older log rows unsearchable).
CARRIER_API_RATE = env("CARRIER_API_RATE", default="600/m")
# How long a web worker remembers a carrier key it verified (a revoked key is refused by the worker that saved it at
# once, by the others within this many seconds); 0: look the key up on every request.
CARRIER_KEY_CACHE_SECONDS = env.int("CARRIER_KEY_CACHE_SECONDS", default=5)
CARRIER_CHECK_HASH_KEY = env("CARRIER_CHECK_HASH_KEY", default="")

# --- Open data: files regenerated daily, served from here.
OPEN_DATA_ROOT = env.path("OPEN_DATA_ROOT", default=str(BASE_DIR / "var" / "open-data"))
# Carrier checks answered by a replica while the primary is down are recorded here, one file per request, until
# the primary answers again (listings.services.check_records). Local to each web machine; keep it on its disk.
CHECK_SPOOL_DIR = env.path("CHECK_SPOOL_DIR", default=str(BASE_DIR / "var" / "check-spool"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Debtors' requests (appeals): evidence is stored outside MEDIA_ROOT and the static files, served only to the
# court's staff through the admin. The status check and filing are rate-limited like the search.
EVIDENCE_ROOT = env.path("EVIDENCE_ROOT", default=str(BASE_DIR / "var" / "evidence"))
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=5)
EVIDENCE_MAX_FILE_BYTES = env.int("EVIDENCE_MAX_FILE_BYTES", default=5_000_000)
APPEALS_CHECK_RATE = env("APPEALS_CHECK_RATE", default="10/m")
# Distinct wrong full numbers a day, from all clients together, after which a masked number (the search) or a
# case (the status check) is looked up no more that day: listings.probes, docs/security.md.
PROBE_MISS_BUDGET = env.int("PROBE_MISS_BUDGET", default=3)
# The public address of the site, for links in e-mails (the tracking page) and the certificate's QR code and
# verify link. Required under production settings. Empty (the quick start): the quick start sets it from the
# address it serves, and the certificate is given the address of the request that asked for it.
PUBLIC_SITE_URL = env("PUBLIC_SITE_URL", default="")

# Overrides of the legal rules and deadlines in `enforcement.rules` (see that module for the names).
ENFORCEMENT_RULES = env.json("ENFORCEMENT_RULES", default={})
