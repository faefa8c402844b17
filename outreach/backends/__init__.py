"""Pluggable message delivery, the way Django's EMAIL_BACKEND works.

settings.OUTREACH_MESSAGE_BACKEND names a class with `send(message) -> provider_id` that
raises DeliveryError on failure, and ByHand when it cannot send that message at all (no
provider behind it, or none for the message's channel): then the message waits for a person,
who sends it on the platform's own tools and says so. A backend returns a provider id only
when a provider accepted the message — that is what 「已发送」 means.
services.message_deliver claims the Message row before calling it, so a backend is never
asked twice for the same message.
"""

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """The provider refused the message: it was not sent."""


class Throttled(DeliveryError):
    """The provider's rate limit (or it could not be reached): nothing was sent, try later."""


class SendUnknown(DeliveryError):
    """The request may have reached the provider and no answer says whether it was taken:
    never send it again before its status has been asked for."""


class ByHand(Exception):
    """Nothing can send this message: a person must. The text says why, in English marked
    with gettext_noop: the timeline keeps it as written and translates it when shown."""


class BaseBackend:
    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def get_backend() -> BaseBackend:
    return import_string(settings.OUTREACH_MESSAGE_BACKEND)()
