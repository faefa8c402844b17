"""Credentials at rest: a model field whose value is stored Fernet-encrypted.

Chat robot webhook URLs carry their access token and signing secrets are credentials: a
database dump, a backup or a read-only SQL console must not hand them out. The key comes from
settings.CREDENTIALS_KEY (a Fernet key, required in production); with DEBUG and no key set, a
key derived from SECRET_KEY stands in, with a warning, so a first look needs no setup.
CREDENTIALS_KEY_FALLBACKS decrypt values written under older keys while rotating (each new
write uses the current key).
"""

import base64
import functools
import hashlib
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models

logger = logging.getLogger(__name__)

# Stored values start with this, so an unencrypted value (or a corrupted one) is recognisable.
PREFIX = "fernet:"


def derived_key(secret: str) -> str:
    """A Fernet key derived from SECRET_KEY (development only)."""
    digest = hashlib.sha256(b"reviewdesk-credentials:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@functools.cache
def _fernet(key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in (key, *fallbacks)])


MISSING_KEY = "Set the environment variable CREDENTIALS_KEY (a Fernet key) when DEBUG is off."


def fernet() -> MultiFernet:
    key = settings.CREDENTIALS_KEY
    if not key and not settings.DEBUG:
        raise ImproperlyConfigured(MISSING_KEY)
    if not key:
        logger.warning(
            "CREDENTIALS_KEY is not set: credentials are encrypted with a key derived from "
            "SECRET_KEY (development only; production refuses to start without one)."
        )
        key = derived_key(settings.SECRET_KEY)
    return _fernet(key, tuple(settings.CREDENTIALS_KEY_FALLBACKS))


def encrypt(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode()).decode()


class UndecryptableCredential(Exception):
    """A stored credential no configured key opens (the key was changed without fallback)."""


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise UndecryptableCredential("not an encrypted value")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UndecryptableCredential(
            "no key in CREDENTIALS_KEY / CREDENTIALS_KEY_FALLBACKS opens it"
        ) from None


class EncryptedTextField(models.TextField):
    """A text value stored encrypted; Python code sees the plain text. Blank stays blank (not
    encrypted), so "is it set?" needs no key. It cannot be filtered on: every encryption of the
    same value differs."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except UndecryptableCredential as exc:
            # Read as "not set" (the page asks for it again) rather than breaking the page.
            logger.error("a stored credential cannot be decrypted: %s", exc)
            return ""


@checks.register(checks.Tags.security, deploy=False)
def check_credentials_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = []
    if not settings.CREDENTIALS_KEY and not settings.DEBUG:
        # Not a deploy-only check: `migrate` (which compose runs before web, worker and beat)
        # and `check` stop here, while collectstatic, which runs only its own checks while the
        # image is built, needs no secret.
        problems.append(
            checks.Error(
                MISSING_KEY,
                hint='python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="reviews.E102",
            )
        )
    for name in ("CREDENTIALS_KEY", "CREDENTIALS_KEY_FALLBACKS"):
        value = getattr(settings, name)
        for key in [value] if isinstance(value, str) else value:
            if not key:
                continue
            try:
                Fernet(key.encode())
            except ValueError:
                problems.append(
                    checks.Error(
                        f"{name} is not a Fernet key (32 url-safe base64-encoded bytes).",
                        hint='python -c "from cryptography.fernet import Fernet; '
                        'print(Fernet.generate_key().decode())"',
                        id="reviews.E101",
                    )
                )
    return problems
