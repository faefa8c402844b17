"""The default backend: each channel to what can really send it.

- SMS: the shop's active SMS account (Aliyun, Tencent Cloud; outreach.models.SmsAccount),
  as the provider template approved for the message's kind, its variables read back from
  the message's text. The message's own id goes out as the provider's OutId /
  SessionContext, so its receipt and a status query find it.
- 旺旺/IM and platform messages: sellers have no open sending API for them — by hand.
- No SMS account, no approved template for the kind, a text that no longer fits the
  template, no phone number: by hand, with the reason.

With nothing configured every message waits to be sent by hand, as with the outbox backend.
"""

import logging

from django.conf import settings
from django.utils.translation import gettext_noop

from .. import wording
from ..models import Channel, Message, SmsAccount
from ..sms import ProviderNotInstalled, client_for
from ..sms.base import OutcomeUnknown, ProviderRefused
from . import BaseBackend, ByHand, DeliveryError, SendUnknown, Throttled

logger = logging.getLogger(__name__)


class SmsBackend(BaseBackend):
    def send(self, message) -> str:
        if message.channel != Channel.SMS:
            # 旺旺 and platform messages have no open sending API for sellers: an SMS provider
            # would text a nickname. A person sends them.
            raise ByHand(gettext_noop("no provider sends on this channel"))
        account = SmsAccount.objects.active_for(message.shop_id)
        if account is None:
            raise ByHand(gettext_noop("the shop has no SMS account"))
        template = account.templates.filter(kind=message.kind, approved=True).first()
        if template is None:
            raise ByHand(gettext_noop("no approved SMS template for this message"))
        params = wording.provider_params(template.text, message.body)
        if params is None:
            raise ByHand(gettext_noop("the text does not fit the approved SMS template"))
        if not message.to:
            raise ByHand(gettext_noop("the buyer has no phone number"))
        try:
            client = client_for(account)
        except ProviderNotInstalled:
            raise ByHand(gettext_noop("the SMS provider's client is not installed")) from None
        except ValueError:  # a credential missing, an endpoint that is not http(s)
            raise ByHand(gettext_noop("the shop's SMS account is not set up completely")) from None
        # Whatever happens next, this account may hold the message: written before the
        # request, so a worker lost mid-send leaves a message the status query can find.
        message.sms_account = account
        Message.objects.filter(id=message.id).update(sms_account=account)
        try:
            result = client.send(
                phone=message.to,
                sign_name=account.sign_name,
                template_code=template.code,
                params=params,
                out_id=str(message.id),
            )
        except OutcomeUnknown as exc:
            raise SendUnknown(str(exc)) from exc
        except ProviderRefused as exc:
            if exc.throttled:
                raise Throttled(str(exc)) from exc
            raise DeliveryError(f"{account.provider} refused: {exc}") from exc
        logger.info("sms %s accepted by %s as %s", message.id, account.provider, result.provider_id)
        return result.provider_id


def throttle_delay(attempts: int) -> float:
    """Seconds before the next try of a throttled send: doubling, at most 30 minutes."""
    base = float(settings.OUTREACH_SMS["THROTTLE_BACKOFF"])
    return min(base * 2 ** max(attempts - 1, 0), 1800.0)
