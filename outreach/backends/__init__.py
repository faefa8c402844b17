"""Pluggable message delivery, the way Django's EMAIL_BACKEND works.

settings.OUTREACH_MESSAGE_BACKEND names a class with `send(message) -> provider_id` that
raises DeliveryError on failure.  services.message_deliver claims the Message row before
calling it, so a backend is never asked twice for the same message.
"""

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class BaseBackend:
    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def get_backend() -> BaseBackend:
    return import_string(settings.OUTREACH_MESSAGE_BACKEND)()
