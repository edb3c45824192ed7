"""Settings shared by every environment; each value a deployment may change comes from the environment."""

from email.utils import formataddr, getaddresses
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
SERVICE_NAME = env("SERVICE_NAME", default="ICS governance and engagement")
# Where people write to the portal's administrators (e.g. an account switched off); empty: pages say who, without.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="")

INSTALLED_APPS = [
    # First, so its templates/admin/ overrides the Django admin's (axe fixes: base_site.html, split date/time).
    "ics_portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.microsoft",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "csp",
    "accounts",
    "governance",
    "functions",
    "notifications",
    "engagement",
    "reporting",
    "outcomes",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ics_portal.middleware.PermissionsPolicyMiddleware",  # before WhiteNoise, so static files carry it too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ics_portal.middleware.PrivateWhenSignedInMiddleware",  # after authentication: it asks who is signed in
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "ics_portal.urls"
WSGI_APPLICATION = "ics_portal.wsgi.application"

TEMPLATES = [
    {
        # Jinja2 first: NHS.UK components are Jinja macros. allauth's pages are overridden in templates/account/.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "ics_portal.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "ics_portal.context_processors.portal",
            ],
        },
    },
    {
        # The Django admin and allauth's email templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes (and WhiteNoise serves from).
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("nhsuk", BASE_DIR / "node_modules/nhsuk-frontend/dist/nhsuk"),
]
STATICFILES_FINDERS = [
    "ics_portal.staticfinders.PortalFileSystemFinder",  # only the built parts of nhsuk-frontend
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# --- Cache (allauth's rate limits count here, so production needs a shared one) ---
REDIS_URL = env("REDIS_URL", default="")
# A Redis that stalls or stops must not stop the site: short timeouts and no retries (redis-py's pool default), and
# a backend that degrades to "empty cache" on errors and leaves Redis alone for a few seconds (ics_portal/cache.py).
REDIS_CACHE = {
    "BACKEND": "ics_portal.cache.ResilientRedisCache",
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
if REDIS_URL:
    CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

# --- Accounts (django-allauth): email and one-time code, no password needed ---
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# The same plain-English form errors as every other portal form (accounts/forms.py).
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "request_login_code": "accounts.forms.RequestLoginCodeForm",
    "confirm_login_code": "accounts.forms.ConfirmLoginCodeForm",
}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    # Per IP only: a per-address refusal ("3/m/key") let anyone lock an address out. Emails to one address are
    # limited instead, without refusing (accounts/adapters.py).
    "request_login_code": "20/m/ip",
    "confirm_email": "1/3m/key",
}
# A sign-in code works for 15 minutes (the pages say so); an address has one live code at a time.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
# At most this many sign-in emails to one address per window (seconds); past it, the code already sent is used.
ACCOUNTS_LOGIN_CODE_EMAILS = 3
ACCOUNTS_LOGIN_CODE_EMAIL_WINDOW = 15 * 60
# Wrong guesses at an account's live code, from all browsers together, before the code is replaced (each browser
# has allauth's 3, and a new browser is given the same code).
ACCOUNTS_LOGIN_CODE_GUESSES = 9
LOGIN_URL = "account_request_login_code"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

# Staff sign-in with Microsoft Entra ID (NHSmail), switched on when a client id is configured.
ENTRA_CLIENT_ID = env("ENTRA_CLIENT_ID", default="")
ENTRA_CLIENT_SECRET = env("ENTRA_CLIENT_SECRET", default="")
# In production the NHSmail tenant's ID (production.py refuses "organizations", "common", "consumers"): Microsoft then
# only signs in that tenant's accounts, and the adapter checks the token's tenant too (accounts/adapters.py).
ENTRA_TENANT = env("ENTRA_TENANT", default="organizations")
ENTRA_ALLOWED_DOMAINS: list[str] = [d.lower() for d in env.list("ENTRA_ALLOWED_DOMAINS", default=["nhs.net"])]
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}
if ENTRA_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": ENTRA_CLIENT_ID,
                "secret": ENTRA_CLIENT_SECRET,
                "settings": {"tenant": ENTRA_TENANT},
            }
        ],
        "EMAIL_AUTHENTICATION": True,
        # Addresses of the allowed domains need no second confirmation. The adapter replaces Graph's `mail` (set by
        # any tenant's admin, unverified) with the userPrincipalName before this applies.
        "VERIFIED_EMAIL": ENTRA_ALLOWED_DOMAINS,
    }

# The admin signs in through allauth (secure_admin_login in ics_portal/urls.py): the limits above guard it too.

# --- Email ---
# The portal's public address, for links in emails a worker sends (no request to take it from).
SITE_URL = env("SITE_URL", default="http://localhost:8000")
# The display name is the service's, as in each email's blue bar: an unnamed "ICS portal" reads like phishing.
# formataddr quotes the name: "NHS North Central London, ICB" unquoted would be two addresses and stop every email.
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=formataddr((SERVICE_NAME, "no-reply@ics-portal.invalid")))
if len(_from := getaddresses([DEFAULT_FROM_EMAIL])) != 1 or "@" not in _from[0][1]:
    raise ImproperlyConfigured(
        'DEFAULT_FROM_EMAIL must be one address, e.g. "NHS North Central London, ICB" <no-reply@example.org>: '
        "put a name that has a comma in double quotes."
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.org:587; without it mail is written to var/mail/.
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = 10
# allauth's mail (sign-in codes) is an outbox row sent by the Celery worker, or from the web process when the
# broker cannot take the task (notifications/services.py, urgent kinds); false: always from the web process.
EMAIL_VIA_CELERY = env.bool("EMAIL_VIA_CELERY", default=True)

# --- Celery: tasks never hold up a web request, and the worker outlives a Redis stall ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged after the task returns; an ack the broker does not take makes the worker reconnect (celery.py).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Beat schedules in UTC, not Europe/London: beat's crontab arithmetic has daylight-saving bugs (an entry at a
# time the clocks skip or repeat runs never or twice). Intervals are UTC too; pages still show London time.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Publishing: no publish retry and connection attempts bounded by 1 s in all, so a stalled or stopped broker costs a
# web request about 1 s (a refused connection is retried every 0.2 s within that second, not once after 2 s).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# The worker: reconnect for ever (the default gives up after 100 tries), and drop a BRPOP that got no reply for
# 1 + 10 s (kombu's health check), so after a stall it consumes again within about 20 s instead of never.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks running when the connection is lost are cancelled and redelivered (acks_late), Celery 6's default; every
# task here is safe to run twice (the outbox claims its rows; a sign-in code sent twice is the same code).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "socket_keepalive": True,
    "health_check_interval": 10,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS: dict = REDIS_BROKER_TRANSPORT_OPTIONS
from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "out"),
        "data_folder_out": str(_queue / "out"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }

# --- Security headers (django-csp 4): scripts only by nonce, nothing inline ---
from csp.constants import NONCE, NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features no page uses, off for every page and anything it embeds (ics_portal/middleware.py).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# A shared computer: closing the browser ends the session (and with it any draft), and a session never outlives
# SESSION_COOKIE_AGE. allauth's "Remember me" would make the cookie persistent again, so it is never offered.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
ACCOUNT_SESSION_REMEMBER = False
CSRF_FAILURE_VIEW = "ics_portal.views.csrf_failure"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- notifications ---
# The outbox sweep (notifications/services.py): READY emails whose task was lost, due retries, rows a dead worker
# left sending.
CELERY_BEAT_SCHEDULE["notifications-send-due-emails"] = {
    "task": "notifications.tasks.send_due_emails",
    "schedule": 60.0,
}
# Opening emails, reminders to followers and invitees who have not responded (at each consultation's offsets),
# closing emails and onward-deadline reminders (notifications/planning.py).
CELERY_BEAT_SCHEDULE["notifications-plan-due-emails"] = {
    "task": "notifications.tasks.plan_due_emails",
    "schedule": 900.0,
}

# --- engagement ---
# Equality answers are held and released in shuffled batches of at least this many (engagement/services/equality.py).
CELERY_BEAT_SCHEDULE["engagement-release-equality-answers"] = {
    "task": "engagement.tasks.release_equality_answers",
    "schedule": 600.0,
}
# Respondents' personal data removed once each consultation's retention period has passed (retention/services.py).
CELERY_BEAT_SCHEDULE["retention-purge-personal-data"] = {
    "task": "retention.tasks.purge_personal_data",
    "schedule": crontab(hour=3, minute=30),  # daily at 03:30 UTC (CELERY_TIMEZONE)
}
ENGAGEMENT_EQUALITY_BATCH = env.int("ENGAGEMENT_EQUALITY_BATCH", default=5)
# Response submissions and save-and-return emails, per browser session first, then a much higher ceiling per
# client address, which many people may share (an event's Wi-Fi, a trust's NAT): engagement/ratelimit.py.
ENGAGEMENT_RATE_LIMITS = {
    "submit": env("ENGAGEMENT_SUBMIT_RATE", default="20/10m"),
    "submit_per_address": env("ENGAGEMENT_SUBMIT_ADDRESS_RATE", default="300/10m"),
    "resume_email": env("ENGAGEMENT_RESUME_EMAIL_RATE", default="5/10m"),
    "resume_email_per_address": env("ENGAGEMENT_RESUME_EMAIL_ADDRESS_RATE", default="60/10m"),
    "resume_email_per_recipient": env("ENGAGEMENT_RESUME_EMAIL_RECIPIENT_RATE", default="10/1d"),
}
# Where respondents say they live or work: system slug -> level slug (default: the level just under the top).
ENGAGEMENT_RESPONDENT_AREA_LEVEL = {"nel": "place-based-systems"}
# How long each worker may reuse a consultation and its questions while residents respond (seconds; 0: never).
ENGAGEMENT_RESPONDING_CACHE_SECONDS = env.float("ENGAGEMENT_RESPONDING_CACHE_SECONDS", default=1.0)
# The benchmark's floor view (/bench/floor-post/) is served only when DEBUG or BENCH is on.
BENCH = env.bool("BENCH", default=False)
# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- reporting ---
# Exports of more responses than this run as a background job (reporting/services.py export_start); fewer
# download at once.
REPORTING_EXPORT_INLINE_MAX = env.int("REPORTING_EXPORT_INLINE_MAX", default=2000)
# A job's file may be downloaded for this long after it is made; then the hourly clean-up deletes it.
REPORTING_EXPORT_TTL_HOURS = env.int("REPORTING_EXPORT_TTL_HOURS", default=24)
# Private: never under MEDIA_ROOT, only ever served by the job's download view after a permission check.
REPORTING_EXPORT_ROOT = env.path("REPORTING_EXPORT_ROOT", default=str(VAR_DIR / "exports"))
CELERY_BEAT_SCHEDULE["reporting-run-queued-export-jobs"] = {
    "task": "reporting.tasks.run_queued_export_jobs",
    "schedule": 60.0,
}
# Theme suggestion jobs whose task was lost, or that a dead worker left running (reporting/services_themes.py).
CELERY_BEAT_SCHEDULE["reporting-run-queued-suggestion-jobs"] = {
    "task": "reporting.tasks.run_queued_suggestion_jobs",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["reporting-expire-export-jobs"] = {
    "task": "reporting.tasks.expire_export_jobs",
    "schedule": 3600.0,
}
