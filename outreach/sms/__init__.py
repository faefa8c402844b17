"""SMS providers: one protocol client per provider (Aliyun, Tencent Cloud), each speaking
the provider's documented HTTP API with its signature, and the shapes they all answer in
(outreach.sms.base), so the backend, the receipt endpoints and the reply handling never look
at a provider's own payloads."""

import importlib
import json
from types import ModuleType

from django.conf import settings


class ProviderNotInstalled(LookupError):
    """settings.OUTREACH_SMS["PROVIDERS"] names no importable client module for a provider."""


def provider_module(provider: str) -> ModuleType:
    """The client module of `provider` ("aliyun", "tencent"), by the import string settings
    give it: it names its class in CLIENT and its credential fields in CREDENTIAL_FIELDS."""
    path = settings.OUTREACH_SMS["PROVIDERS"].get(provider)
    if not path:
        raise ProviderNotInstalled(provider)
    try:
        return importlib.import_module(path)
    except ImportError as exc:
        raise ProviderNotInstalled(provider) from exc


def installed_providers() -> dict[str, tuple[str, ...]]:
    """Each provider whose client module imports, with its credential field names."""
    found = {}
    for provider in settings.OUTREACH_SMS["PROVIDERS"]:
        try:
            found[provider] = tuple(provider_module(provider).CREDENTIAL_FIELDS)
        except ProviderNotInstalled:
            continue
    return found


def client_for(account):
    """A client for a shop's SMS account (outreach.models.SmsAccount): its provider's class,
    its decrypted credentials and its endpoint (blank: the provider's own)."""
    module = provider_module(account.provider)
    credentials = json.loads(account.credentials or "{}")
    return module.CLIENT(
        credentials,
        endpoint=account.endpoint or None,
        timeout=float(settings.OUTREACH_SMS["TIMEOUT"]),
    )
