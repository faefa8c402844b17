"""Benchmarks: production settings against DATABASE_URL / REDIS_URL, without HTTPS redirects."""

import os

os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# A bench-only Fernet key (production refuses to start without its own).
os.environ.setdefault("CREDENTIALS_KEY", "YmVuY2gtb25seS1jcmVkZW50aWFscy1rZXktMDEyMzQ=")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

# No collectstatic before a benchmark: plain storage (the manifest lookup is a dict read).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
