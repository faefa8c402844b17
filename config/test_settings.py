"""Test settings: production settings, with only what tests need overridden."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Tests run over plain HTTP against the test client and a live server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
# A fixed Fernet key for the credentials tests store (reviews.crypto); never a real one.
os.environ.setdefault("CREDENTIALS_KEY", "dGVzdC1vbmx5LWNyZWRlbnRpYWxzLWtleS0wMTIzNDU=")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

# Fast hashing for the many users tests create.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No manifest needed: tests don't run collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A SQLite test database in a file (not in memory) so worker subprocesses share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Serve static files from the finders (no collectstatic in tests; the browser tests need them).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The cache holds login failure counts: each test process keeps its own (conftest.py empties it
# before every test), never shared with other runs through Redis. The template fragments' cache
# stays as production has it (per process).
CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # noqa: F405
