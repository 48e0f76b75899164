"""Settings, driven by environment variables.

Embedded default: SQLite under ./var and jobs run in-process. Production: set DATABASE_URL to
PostgreSQL, REDIS_URL, and HEEDFUL_JOBS=celery, then run Celery workers beside the web processes.
"""

import json
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HEEDFUL_VAR_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("HEEDFUL_DEBUG", False)
SECRET_KEY = os.environ.get("HEEDFUL_SECRET_KEY") or "insecure-embedded-default-change-me"
# Credentials at rest are encrypted with a key derived from this (or from SECRET_KEY).
HEEDFUL_ENCRYPTION_KEY = os.environ.get("HEEDFUL_ENCRYPTION_KEY") or SECRET_KEY
ALLOWED_HOSTS = os.environ.get("HEEDFUL_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HEEDFUL_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
HEEDFUL_BASE_URL = os.environ.get("HEEDFUL_BASE_URL", "http://127.0.0.1:8000")

# Served over HTTPS (an https HEEDFUL_BASE_URL): redirect plain HTTP, cookies only over TLS, and
# HSTS. Each can be set on its own; behind a proxy that ends TLS, name the header it sets
# (HEEDFUL_SECURE_PROXY_HEADER=X-Forwarded-Proto) or the redirect loops.
_HTTPS = HEEDFUL_BASE_URL.lower().startswith("https://")
SECURE_SSL_REDIRECT = env_bool("HEEDFUL_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("HEEDFUL_SECURE_COOKIES", _HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("HEEDFUL_HSTS_SECONDS") or (31536000 if _HTTPS else 0))
# Off unless asked: both bind every subdomain of the brand's domain to HTTPS, preload for years.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HEEDFUL_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HEEDFUL_HSTS_PRELOAD", False)
if os.environ.get("HEEDFUL_SECURE_PROXY_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["HEEDFUL_SECURE_PROXY_HEADER"].upper().replace("-", "_"), "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "heedful.core",
    "heedful.accounts",
    "heedful.contacts",
    "heedful.channels",
    "heedful.conversations",
    "heedful.ingestion",
    "heedful.outbound",
    "heedful.insights",
    "heedful.routing",
    "heedful.realtime",
    "heedful.feedback",
    "heedful.analytics",
    "heedful.web",
    "heedful.widget",
    "heedful.privacy",
    "heedful.demo",
    "heedful.audit",
    "heedful.community",
    "heedful.community_desk",
    "heedful.knowledge",
    "heedful.integrations",
]
# Provider packages register themselves with the channel registry when imported.
HEEDFUL_PROVIDERS = [
    p
    for p in os.environ.get(
        "HEEDFUL_PROVIDERS",
        "heedful.channels.providers.email,"
        "heedful.channels.providers.twitter,"
        "heedful.channels.providers.meta,"
        "heedful.channels.providers.whatsapp,"
        "heedful.channels.providers.twilio,"
        "heedful.channels.providers.webchat,"
        "heedful.channels.providers.community,"
        "heedful.channels.providers.phone,"
        "heedful.channels.providers.api",
    ).split(",")
    if p
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "heedful.community.middleware.MemberMiddleware",  # the forum member, for the help centre
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "heedful.config.urls"
WSGI_APPLICATION = "heedful.config.wsgi.application"
ASGI_APPLICATION = "heedful.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'heedful.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL + IMMEDIATE transactions let the in-process worker write beside web requests.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Jobs: "thread" runs them in-process after commit (embedded), "celery" sends them to workers,
# "inline" runs them synchronously after commit (tests).
HEEDFUL_JOBS = os.environ.get("HEEDFUL_JOBS", "celery" if REDIS_URL else "thread")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# Reuse a worker's database connection for this many tasks; Celery otherwise opens a new one
# for every task (a few ms each, more than a small ingest job's own work).
CELERY_DB_REUSE_MAX = int(os.environ.get("HEEDFUL_CELERY_DB_REUSE_MAX", 1000))
# A worker rides out a broker restart: it retries for as long as the broker is away, at start-up
# too, and kombu's reconnect path cannot end it (config/broker.py). No result backend: jobs
# report through their durable rows. Redelivery of an unacknowledged job waits for the visibility
# timeout, which must exceed the longest countdown a job is queued with.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.startswith("redis://"):  # rediss:// keeps kombu's own (it sets up TLS)
    CELERY_BROKER_TRANSPORT = "heedful.config.broker:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("HEEDFUL_BROKER_VISIBILITY_TIMEOUT", 3600)),
    "socket_connect_timeout": 5, "socket_keepalive": True, "retry_on_timeout": True,
    # Finds a connection a broker failover left half-open instead of waiting on it for ever.
    "health_check_interval": 25,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ROUTES = {
    "heedful.ingestion.*": {"queue": "ingest"},
    "heedful.outbound.*": {"queue": "outbound"},
    "heedful.integrations.*": {"queue": "outbound"},  # outgoing HTTP, kept off the ingest queue
}
CELERY_BEAT_SCHEDULE = {
    "sweep-inbound": {"task": "heedful.ingestion.sweep", "schedule": 5.0},
    "sweep-outbound": {"task": "heedful.outbound.sweep", "schedule": 5.0},
    "poll-mailboxes": {"task": "heedful.ingestion.poll_mailboxes", "schedule": 30.0},
    "purge-retention": {"task": "heedful.privacy.purge_retention", "schedule": 24 * 3600.0},
    "wake-snoozed": {"task": "heedful.conversations.wake_snoozed", "schedule": 60.0},
    "escalate-community": {"task": "heedful.community_desk.escalate_due", "schedule": 30.0},
    "analytics-catch-up": {"task": "heedful.analytics.catch_up", "schedule": 60.0},
    "routing-sweep": {"task": "heedful.routing.sweep", "schedule": 30.0},
    "embed-articles": {"task": "heedful.knowledge.embed_missing", "schedule": 300.0},
    "settle-deflections": {"task": "heedful.knowledge.settle_deflections", "schedule": 60.0},
    "sweep-integration-webhooks": {"task": "heedful.integrations.sweep", "schedule": 15.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Brute-force protection for passwords and API tokens (accounts/throttle.py): this many failures
# per account, or per client IP, within the window lock that account or IP out for a while.
HEEDFUL_AUTH_MAX_FAILURES = int(os.environ.get("HEEDFUL_AUTH_MAX_FAILURES", 5))
HEEDFUL_AUTH_MAX_FAILURES_PER_IP = int(os.environ.get("HEEDFUL_AUTH_MAX_FAILURES_PER_IP", 20))
HEEDFUL_AUTH_FAILURE_WINDOW_SECONDS = int(os.environ.get("HEEDFUL_AUTH_FAILURE_WINDOW_SECONDS", 900))
HEEDFUL_AUTH_LOCKOUT_SECONDS = int(os.environ.get("HEEDFUL_AUTH_LOCKOUT_SECONDS", 900))
# How many proxies in front of Heedful append to X-Forwarded-For (0: use the peer address).
HEEDFUL_TRUSTED_PROXIES = int(os.environ.get("HEEDFUL_TRUSTED_PROXIES", 0))
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("HEEDFUL_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

# A web chat channel's public key: the forum and help-centre pages embed that chat, and a signed-in
# member is recognised in it (community_desk.chat_identity). Empty: no chat on those pages.
HEEDFUL_COMMUNITY_CHAT_KEY = os.environ.get("HEEDFUL_COMMUNITY_CHAT_KEY", "")
HEEDFUL_MAX_ATTACHMENT_BYTES = int(os.environ.get("HEEDFUL_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024))
HEEDFUL_MAX_WEBHOOK_BYTES = int(os.environ.get("HEEDFUL_MAX_WEBHOOK_BYTES", 40 * 1024 * 1024))
HEEDFUL_INGEST_MAX_ATTEMPTS = int(os.environ.get("HEEDFUL_INGEST_MAX_ATTEMPTS", 5))
# Webhook bodies are written in groups by a per-process writer thread (needs threaded workers).
HEEDFUL_GROUP_COMMIT = env_bool("HEEDFUL_GROUP_COMMIT", HEEDFUL_JOBS == "celery")
# The WSGI app answers /hooks/<family>/<id> in front of Django's handler (ingestion/fast_path.py).
HEEDFUL_HOOKS_FAST_PATH = env_bool("HEEDFUL_HOOKS_FAST_PATH", True)
# Group commit queues one processing job per channel once it holds this many new events or its
# first one waited this long: bigger jobs, far fewer per-job costs (0: a job per commit).
# Only with Celery workers; in-process jobs run at once.
HEEDFUL_INGEST_JOB_BATCH = int(os.environ.get("HEEDFUL_INGEST_JOB_BATCH", 200))
HEEDFUL_INGEST_JOB_WAIT_MS = float(os.environ.get("HEEDFUL_INGEST_JOB_WAIT_MS", 50))
# A pending event older than this is picked up by the sweeper (a worker died holding it).
HEEDFUL_INGEST_STALE_SECONDS = float(os.environ.get("HEEDFUL_INGEST_STALE_SECONDS", 30))
# A brand echo or reply whose customer message is not processed yet (stored later by another web
# process, held by another worker) waits for it this long, tried again every RETRY seconds,
# instead of being ignored as "outside any conversation".
HEEDFUL_INGEST_HOLD_SECONDS = float(os.environ.get("HEEDFUL_INGEST_HOLD_SECONDS", 5))
# Past that window it keeps waiting while its parent may still be in a backlog (an older event
# of its channel, or the parent's own event, is stored and not processed yet), up to this long.
HEEDFUL_INGEST_HOLD_MAX_SECONDS = float(os.environ.get("HEEDFUL_INGEST_HOLD_MAX_SECONDS", 300))
HEEDFUL_INGEST_HOLD_RETRY_SECONDS = float(os.environ.get("HEEDFUL_INGEST_HOLD_RETRY_SECONDS", 0.5))
HEEDFUL_OUTBOUND_MAX_ATTEMPTS = int(os.environ.get("HEEDFUL_OUTBOUND_MAX_ATTEMPTS", 6))
# A delivery whose worker died mid-send is tried again (same idempotency key) once this lease ends.
HEEDFUL_OUTBOUND_LEASE_SECONDS = float(os.environ.get("HEEDFUL_OUTBOUND_LEASE_SECONDS", 120))
# The inbox says "catching up" once a stored webhook has waited this long to be processed.
HEEDFUL_CATCHING_UP_SECONDS = float(os.environ.get("HEEDFUL_CATCHING_UP_SECONDS", 30))
# Routing (routing/conf.py has the defaults): priority weights and bands as JSON objects that
# override single entries, e.g. HEEDFUL_PRIORITY_WEIGHTS='{"angry": 3}'.
HEEDFUL_PRIORITY_WEIGHTS = json.loads(os.environ.get("HEEDFUL_PRIORITY_WEIGHTS") or "{}")
HEEDFUL_PRIORITY_BANDS = json.loads(os.environ.get("HEEDFUL_PRIORITY_BANDS") or "{}")
HEEDFUL_REPEAT_CONTACT_DAYS = int(os.environ.get("HEEDFUL_REPEAT_CONTACT_DAYS", 7))
HEEDFUL_VIP_HANDLES = [h for h in os.environ.get("HEEDFUL_VIP_HANDLES", "").split(",") if h.strip()]
HEEDFUL_SLA_NEAR_BREACH_FRACTION = float(os.environ.get("HEEDFUL_SLA_NEAR_BREACH_FRACTION", 0.2))
HEEDFUL_VIRALITY_K = float(os.environ.get("HEEDFUL_VIRALITY_K", 2.0))
HEEDFUL_AUTOMATION_MAX_HOPS = int(os.environ.get("HEEDFUL_AUTOMATION_MAX_HOPS", 10))
HEEDFUL_WEBHOOK_ALLOW_PRIVATE = env_bool("HEEDFUL_WEBHOOK_ALLOW_PRIVATE", False)
# Attempts of one integration webhook delivery before it is failed (integrations/delivery.py).
HEEDFUL_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("HEEDFUL_WEBHOOK_MAX_ATTEMPTS", 8))

DATA_UPLOAD_MAX_MEMORY_SIZE = HEEDFUL_MAX_WEBHOOK_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HEEDFUL_LOG_LEVEL", "INFO")},
    # The SMTP server library logs every recipient address at INFO: personal data stays out.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "mail.log": {"level": "WARNING"},
                "httpx": {"level": "WARNING"}},
}
