"""Production: refuses to start without a secret key and allowed hosts; HTTPS only."""

import uuid

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ENTRA_CLIENT_ID, ENTRA_TENANT, REDIS_BROKER_TRANSPORT_OPTIONS, REDIS_CACHE, env


def _is_tenant_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of at least 50 characters.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the portal is served on.")
# With a multi-tenant value any Microsoft tenant's admin could make an account that Microsoft signs in; the tenant
# ID (a GUID) is also what the adapter compares the token's `tid` claim with.
if ENTRA_CLIENT_ID and not _is_tenant_id(ENTRA_TENANT):
    raise ImproperlyConfigured(
        "ENTRA_TENANT must be the NHSmail tenant's ID (a GUID such as 12345678-90ab-cdef-1234-567890abcdef) when "
        f"ENTRA_CLIENT_ID is set; {ENTRA_TENANT!r} would let any Microsoft organisation's accounts sign in."
    )

DEBUG = False
REDIS_URL = env("REDIS_URL")
CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
# Sessions live in PostgreSQL only (one primary-key read per request that has a session). Not cached_db: while
# Redis is unreachable its write-through cannot update or delete the cached copy, so when Redis came back a
# signed-out session (a shared computer) would be signed in again and a changed one would read stale.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Behind a load balancer allauth must read the client's IP from X-Forwarded-For, or every visitor shares one
# rate-limit bucket: set TRUSTED_PROXY_COUNT to the number of proxies in front of gunicorn.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Keep database connections between requests (a new one per request costs more than most pages);
# health checks drop a connection the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
