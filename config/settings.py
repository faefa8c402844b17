"""ReviewDesk settings: one file, driven by the environment (see README "Configure")."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("REVIEWDESK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# A development key exists only for DEBUG; production must bring its own.
SECRET_KEY = env_str(
    "SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production" if DEBUG else None
)
if not DEBUG and SECRET_KEY.startswith("dev-only-"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a real secret when DEBUG is off.")

# Django's key rotation: the previous key(s) keep sessions and signed values valid meanwhile.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
# Keys the hash by which an erased buyer is recognised in later imports (reviews.erasure).
# Unset, SECRET_KEY keys it; set it once and never change it if SECRET_KEY is to be rotated
# (the lookups also try SECRET_KEY_FALLBACKS, for a rotation done the Django way).
ERASURE_KEY = env_str("ERASURE_KEY", "") or SECRET_KEY

# Encrypts credentials stored in the database (chat robot webhook URLs and signing secrets,
# reviews.crypto): a Fernet key (`python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Production refuses to start without it; with DEBUG
# a key derived from SECRET_KEY stands in, with a warning. Older keys go in
# CREDENTIALS_KEY_FALLBACKS while rotating; `manage.py check` names a malformed one.
CREDENTIALS_KEY = env_str("CREDENTIALS_KEY", "")
CREDENTIALS_KEY_FALLBACKS = env_list("CREDENTIALS_KEY_FALLBACKS", [])
# Required with DEBUG off, but checked where it is used (reviews.crypto: a system check that
# stops `migrate`, `check` and so every service's start, and a refusal before any credential
# is read or written) rather than here: building the image (collectstatic) needs no secret.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "reviews",
    "outreach",
    "calls",
    "connectors",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # X-Forwarded-* headers are dropped unless the request comes from one of TRUSTED_PROXIES.
    "reviews.audit.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which would parse a multipart body whole: an oversized one is refused unread.
    "reviews.upload_limit.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A NUL in a parameter is refused with 400 here instead of a 500 from the database.
    "reviews.nul_characters.NulCharacterMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Remembers the caller's address for the audit lines written while serving the request.
    "reviews.audit.ClientIPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a login refused for too many failures into the lock-out page.
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
                "reviews.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL in production (DATABASE_URL), a SQLite file under var/ for a first look.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'reviewdesk.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one file: wait for the lock instead of failing, take the
    # write lock at BEGIN so two writers never deadlock on upgrade, and use WAL so readers
    # don't block the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Template fragments that are the same for every user ({% cache %} in templates/base.html: the
# navigation of a role set, the keyboard help, the language buttons), kept by each process:
# no round trip to Redis for a few hundred bytes, and a deploy's new templates and
# translations start with its new processes. Not kept with DEBUG, where templates are edited.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.dummy.DummyCache"
    if DEBUG
    else "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked out for LOGIN_COOLOFF_MINUTES (another address, or
# another username, is not); a successful login clears the count. From any address,
# LOGIN_USER_FAILURE_LIMIT wrong passwords for one username make each further try wait 1, 2,
# 4, … seconds, at most LOGIN_USER_DELAY_MAX_SECONDS (reviews.security; counted in the cache).
AUTHENTICATION_BACKENDS = [
    "reviews.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try while locked out is refused without being counted, so the lock-out ends when the page
# says it does (and the per-username delay's refusals take the same path).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "reviews.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "reviews.audit.client_ip"
# Every successful login is already in the session table; axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_USER_FAILURE_LIMIT = env_int("LOGIN_USER_FAILURE_LIMIT", 10)
LOGIN_USER_DELAY_MAX_SECONDS = env_int("LOGIN_USER_DELAY_MAX_SECONDS", 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: imports stream from a temporary file, never from memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200)
# An upload's file goes when its batch finishes; what a failed or abandoned one leaves is
# removed by beat's daily job after this many days.
IMPORT_UPLOAD_RETENTION_DAYS = env_int("IMPORT_UPLOAD_RETENTION_DAYS", 7)

# Config wires the apps: reviews hands each chunk of new or changed reviews to this function
# (called with reviews=, returns the ids it handed over), so reviews never imports outreach,
# which builds on it.
REVIEWS_HANDOFF_PLANNER = "outreach.services.reviews_plan"
# …and each imported order with a delivery to this one (called with order=): the care call.
REVIEWS_ORDER_PLANNER = "outreach.services.order_plan_care_call"
# …and, once a chunk is planned, the planned reviews' ids to this one (called with
# review_ids=): assignment on arrival, decided once per chunk rather than once per review.
REVIEWS_HANDOFF_ASSIGNER = "outreach.services.reviews_assign_on_arrival"

# Attention (static/js/attention.js): how often open pages ask for newly due work, in
# seconds, while the tab is visible and while it is hidden. Tests shorten them.
ATTENTION_POLL_SECONDS = (15, 60)
# ... and, inside the transaction that stores reviews an import shows revised, calls this
# (with review_ids=) so everything still pending for them stops at once.
REVIEWS_REVISED_STOPPER = "outreach.services.reviews_stop_revised"

# Security defaults; production (DEBUG off) passes `manage.py check --deploy`.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie (htmx sends the token from the page's hx-headers).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The proxies whose X-Forwarded-For is believed (reviews.audit.client_ip): a request from any
# other address is taken to come from that address, whatever header it carries.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind a proxy every request comes from the proxy: without knowing which addresses are
    # the proxy, all callers would share its address and one caller's wrong passwords would
    # lock everyone out. Refuse to start rather than run like that.
    if not TRUSTED_PROXIES:
        raise ImproperlyConfigured(
            "BEHIND_TLS_PROXY is on but TRUSTED_PROXIES is empty: set TRUSTED_PROXIES to the "
            "address(es) your TLS proxy connects from (e.g. 127.0.0.1 or 172.16.0.0/12), so "
            "X-Forwarded-For is believed from it and from nobody else."
        )
# Exempt the health check from the HTTPS redirect so container probes over plain HTTP work.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy: no inline script anywhere (pages configure JS by data-* attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/,
# so a laptop without Redis still runs scheduled work through a real worker.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task may run (task_time_limit below): a task that outlives the
        # visibility timeout gets a second concurrent copy (celery#5935).
        "visibility_timeout": 3600,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 1800
CELERY_TASK_SOFT_TIME_LIMIT = 1700
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Outreach has its own queue so a big import cannot delay a 20:15 call.
CELERY_TASK_ROUTES = {
    "outreach.*": {"queue": "outreach"},
    "reviews.tasks.import_*": {"queue": "imports"},
    # A pull stores what it reads as an import does; it waits on the platform, not on outreach.
    "connectors.*": {"queue": "imports"},
}
CELERY_BEAT_SCHEDULE: dict = {
    # Beat runs a handful of fixed periodic jobs, never one entry per outreach item: the
    # schedule itself lives in PostgreSQL (outreach.PlannedContact) and the tick claims it.
    "heartbeat": {"task": "reviews.tasks.heartbeat_task", "schedule": 60.0},
    # Frees stuck claims, dispatches due items, escalates missed slots, sweeps the outbox.
    # Re-enqueues missed hand-offs and uploads, restarts imports stuck mid-way.
    "handoff-sweep": {
        "task": "reviews.tasks.handoff_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 55.0},
    },
    # Report roll-ups: stale days rebuilt, then spike alerts opened, updated or ended.
    "report-rollup": {
        "task": "reports.tasks.report_rollup_task",
        "schedule": 60.0,
        "options": {"expires": 55.0},
    },
    # Uploaded files that failed or abandoned imports left behind, past their retention.
    "uploads-cleanup": {"task": "reviews.tasks.uploads_cleanup_task", "schedule": 24 * 3600.0},
    # Per-shop classifier retraining when enough new corrections exist.
    "retrain-classifiers": {"task": "reviews.tasks.retrain_classifiers_task", "schedule": 3600.0},
    # SMS whose outcome is unknown or whose receipt has not come: asked of the provider.
    "sms-status": {
        "task": "outreach.tasks.sms_status_task",
        "schedule": 60.0,
        "options": {"expires": 55.0},
    },
    # Masked calls' bindings past their expiry, released at the provider.
    "calls-unbind-expired": {
        "task": "calls.tasks.calls_unbind_expired_task",
        "schedule": 300.0,
        "options": {"expires": 290.0},
    },
    # Platform connectors: one task per connected shop, each started after its own jitter.
    "connectors-pull": {
        "task": "connectors.tasks.pull_due_task",
        "schedule": float(env_int("CONNECTORS_PULL_EVERY_S", 300)),
        "options": {"expires": 60.0},
    },
    # Kuaishou's 48-hour access tokens refreshed before they run out (pulls refresh too).
    "connectors-refresh-tokens": {
        "task": "connectors.tasks.refresh_tokens_task",
        "schedule": 1800.0,
        "options": {"expires": 600.0},
    },
    "outreach-tick": {
        "task": "outreach.tasks.tick_task",
        "schedule": 5.0,
        "options": {"expires": 5.0},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# E-mail to the shop's own people (spike alerts to managers), never to buyers. The console
# backend prints them until an SMTP server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ReviewDesk <reviewdesk@localhost>")
# Where people open ReviewDesk: links in e-mails are absolute.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Alerts to a shop's leads (missed follow-ups…): e-mail plus one chat robot per shop, set on
# the lead's alert settings page. A robot's webhook must be on its provider's own host.
LEAD_ALERTS = {
    "TIMEOUT": env_int("LEAD_ALERTS_TIMEOUT", 5),
    "ROBOT_HOSTS": {
        "wecom": ["qyapi.weixin.qq.com"],
        "dingtalk": ["oapi.dingtalk.com"],
        "feishu": ["open.feishu.cn", "open.larksuite.com"],
    },
    "ALLOW_HTTP": False,
}

# Platform connectors (reviews pulled from the platforms' seller APIs). Each platform's gateway
# is a setting so a connector can be pointed at a sandbox or a test server.
CONNECTORS = {
    "TOP_API_URL": env_str("TOP_API_URL", "https://eco.taobao.com/router/rest"),
    "JOS_API_URL": env_str("JOS_API_URL", "https://api.jd.com/routerjson"),
    "EBAY_API_URL": env_str("EBAY_API_URL", "https://api.ebay.com/ws/api.dll"),
    "KUAISHOU_API_URL": env_str("KUAISHOU_API_URL", "https://openapi.kwaixiaodian.com"),
    "TIMEOUT": env_int("CONNECTORS_TIMEOUT", 20),  # seconds per call (connect and read)
    "RETRIES": env_int("CONNECTORS_RETRIES", 2),  # connection errors and 5xx, with back-off
    "JITTER_S": env_int("CONNECTORS_JITTER_S", 60),  # each shop's pull starts within this
    "OVERLAP_MINUTES": 30,  # each pull reads the last 30 minutes again
    "PAGE_SIZE": 150,  # TOP's largest page
    "ITEMS_PER_COMMIT": 1000,  # pages are stored in groups of about this many reviews
    "THROTTLE_BACKOFF_S": 600,  # after the platform's throttling answer
    "PULL_BUDGET_S": 600,  # a pull stops after this long; the next resumes at its checkpoint
    "RECHECK_PER_PULL": 20,  # open reviews looked up again per pull (revisions, 追评, replies)
}

# Outreach: how messages leave (like EMAIL_BACKEND), the SMS provider, the dispatcher.
# The default routes each channel: SMS to the shop's active SMS account when it has an
# approved template for the message; everything else waits to be sent by hand.
OUTREACH_MESSAGE_BACKEND = env_str("OUTREACH_MESSAGE_BACKEND", "outreach.backends.sms.SmsBackend")
# SMS goes out through each shop's own provider account (set in the admin); these say which
# client module speaks for each provider and how patient to be with it.
OUTREACH_SMS = {
    "PROVIDERS": {"aliyun": "outreach.sms.aliyun", "tencent": "outreach.sms.tencent"},
    # Seconds to wait for the provider's answer to one send: past it the outcome is unknown
    # and the message is queried, never sent again by itself.
    "TIMEOUT": env_int("OUTREACH_SMS_TIMEOUT", 5),
    # A throttled send waits 30 s, 60 s, 120 s… (capped at 30 min), at most this many times.
    "THROTTLE_BACKOFF": 30,
    "THROTTLE_TRIES": 8,
    # An unknown outcome is queried after this many seconds, then at most every this many.
    "QUERY_AFTER_SECONDS": 60,
    # Not found at the provider this long after the send: it was not taken, a person decides.
    "SETTLE_MINUTES": env_int("OUTREACH_SMS_SETTLE_MINUTES", 30),
    # Receipts come within 72 hours: an accepted message is queried that long at most.
    "RECEIPT_HOURS": 72,
}
# Masked calling (calls/): Aliyun 号码隐私保护 for AXB bindings, the voice service for
# click-to-call (same RPC signature and API version). Tests point both at a local fake.
ALIYUN_PLS = {
    "API_URL": env_str("ALIYUN_PLS_API_URL", "https://dyplsapi.aliyuncs.com/"),
    "CLICK_API_URL": env_str("ALIYUN_CLICK_API_URL", "https://dyvmsapi.aliyuncs.com/"),
    "TIMEOUT": env_int("ALIYUN_PLS_TIMEOUT", 5),
}
# …and outreach's review page asks this function (review, user) whether the shop calls through
# privacy numbers: a panel to show (the 「拨打」 button) or None (the manual path).
OUTREACH_CALL_PANEL = "calls.panel.review_call_panel"
OUTREACH_CALLS_MASKED = "calls.services.calls_masked"
# 「发布到平台」 on the review page: the connectors' panel for an approved reply.
OUTREACH_REPLY_PUBLISHING = "connectors.publish.reply_publishing"
OUTREACH_DISPATCH = {"LOOKAHEAD_SECONDS": 10, "CLAIM_LEASE_SECONDS": 60, "BATCH_SIZE": 500}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Personal data stays out of the logs: phone numbers are masked on every handler.
    "filters": {"mask_phones": {"()": "reviews.privacy.MaskPhonesFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_phones"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes says "BEGIN" at every start (each manage.py command too); its lock-outs are WARNINGs.
    "loggers": {"jieba": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# The demo shop's logins (seed_demo).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "reviewdesk")
