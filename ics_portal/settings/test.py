"""Tests run against a real PostgreSQL and Redis (DATABASE_URL, REDIS_URL)."""

import os

from .base import *  # noqa: F403
from .base import REDIS_BROKER_TRANSPORT_OPTIONS, REDIS_CACHE, env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/ics_portal")}
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/1")
# pytest-xdist workers share one Redis database: each counts under its own prefix (tests/conftest.py clears it).
CACHES = {
    "default": {
        **REDIS_CACHE,
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "test-" + (os.environ.get("PYTEST_XDIST_WORKER") or "main"),
    }
}
CELERY_BROKER_URL = REDIS_URL
# Each pytest-xdist worker publishes to and consumes its own queue, so a worker started in one process never
# takes a task whose mail.outbox lives in the other.
CELERY_TASK_DEFAULT_QUEUE = "test-" + (os.environ.get("PYTEST_XDIST_WORKER") or "main")
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Mail is sent in-process so tests read it from mail.outbox; tests/test_celery.py covers the worker path.
EMAIL_VIA_CELERY = False
# Tests edit consultations and respond at once: no per-worker reuse (tests/engagement/test_respond_cache.py turns
# it on to test it).
ENGAGEMENT_RESPONDING_CACHE_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
