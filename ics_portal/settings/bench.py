"""Benchmarks (`make bench`): production settings served over plain HTTP on loopback.

bench/run.py sets DJANGO_SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL before gunicorn starts, so the
production checks still run; only what needs HTTPS or a manifest is relaxed.
"""

from .production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# `make static` collects without a manifest; serve those files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_VIA_CELERY = False
BENCH = True  # serves the POST floor view (/bench/floor-post/) for the feedback_submit scenario
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
