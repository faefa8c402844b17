"""What becomes of an SMS after the provider took it (or may have): its receipt, the status
query for those without one, a person's decision on one whose outcome stays unknown, and the
buyer's SMS answers.

Every state change is a conditional update from the states it may come from, so a receipt
pushed twice, a receipt and a query answer racing, or two clicks change the message once.
"""

import dataclasses
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from reviews import timeline
from reviews.models import Buyer, Membership, Role
from reviews.services import audit_record

from .. import wording
from ..models import Channel, InboundSms, Message, MessageState, SmsAccount
from ..sms import ProviderNotInstalled, client_for
from ..sms.base import InboundReply, Receipt, SmsProviderError
from .actions import buyer_set_do_not_contact
from .delivery import send_deliver

logger = logging.getLogger(__name__)

# Where a receipt may still move a message: accepted, or outcome unknown.
AWAITING = [MessageState.SENT, MessageState.UNKNOWN]
# An unknown outcome the provider has no record of after SETTLE_MINUTES (kept as the
# message's last error; the review page then offers a person the two ways out).
NOT_FOUND = gettext_noop("not found at the provider: not sent as far as it knows")
# The providers date their messages by Beijing time (the query's SendDate).
BEIJING = ZoneInfo("Asia/Shanghai")


def _conf() -> dict:
    return settings.OUTREACH_SMS


def _event(message: Message, state: str, **details) -> None:
    if message.review_id:
        timeline.message(
            message.review_id,
            message_id=message.id,
            kind=message.kind,
            channel=message.channel,
            state=state,
            **details,
        )


def _find(account: SmsAccount, receipt: Receipt) -> Message | None:
    """The message a receipt is about: by the provider's id, or by our id sent as OutId."""
    mine = Message.objects.filter(shop_id=account.shop_id, channel=Channel.SMS)
    if receipt.provider_id:
        found = mine.filter(provider_id=receipt.provider_id).first()
        if found:
            return found
    if receipt.out_id.isdigit():
        return mine.filter(id=int(receipt.out_id), sms_account=account).first()
    return None


def message_record_receipt(*, account: SmsAccount, receipt: Receipt) -> bool:
    """Apply one delivery report. True when it changed the message; a duplicate, or one
    about a message already settled, changes nothing."""
    message = _find(account, receipt)
    if message is None:
        logger.warning(
            "sms receipt for no message of shop %s: %s / %s",
            account.shop_id,
            receipt.provider_id,
            receipt.out_id,
        )
        return False
    now = timezone.now()
    provider_id = message.provider_id or receipt.provider_id
    if receipt.delivered is None:
        # Known to the provider, no report yet: an unknown outcome was in fact a send.
        if not provider_id:
            return False
        done = Message.objects.filter(id=message.id, state=MessageState.UNKNOWN).update(
            state=MessageState.SENT, provider_id=provider_id, sent_at=now, checked_at=now
        )
        if done:
            _event(message, timeline.SENT, provider_id=provider_id)
        return bool(done)
    state = MessageState.DELIVERED if receipt.delivered else MessageState.UNDELIVERED
    error = " ".join(filter(None, [receipt.error_code, receipt.error_message]))
    with transaction.atomic():
        done = Message.objects.filter(id=message.id, state__in=AWAITING).update(
            state=state,
            provider_id=provider_id,
            sent_at=message.sent_at or now,
            receipt_at=receipt.reported_at or now,
            checked_at=now,
            last_error=error[:500],
        )
        if done:
            _event(message, state, provider_id=provider_id, error=error)
    return bool(done)


def sms_receipts_record(*, account: SmsAccount, receipts: list[Receipt]) -> int:
    return sum(message_record_receipt(account=account, receipt=r) for r in receipts)


def _sent_on(message: Message):
    return (message.claimed_at or message.created_at).astimezone(BEIJING).date()


def message_query_status(*, message: Message, client=None, now: datetime | None = None) -> bool:
    """Ask the provider about one message; True when its answer changed the message."""
    now = now or timezone.now()
    account = message.sms_account
    Message.objects.filter(id=message.id).update(checked_at=now)
    try:
        receipts = (client or client_for(account)).query_status(
            phone=message.to,
            out_id=str(message.id),
            provider_id=message.provider_id,
            sent_on=_sent_on(message),
        )
    except (SmsProviderError, ProviderNotInstalled) as exc:
        logger.warning("sms status query for message %s failed: %s", message.id, exc)
        return False
    ours = [
        r
        for r in receipts
        if (message.provider_id and r.provider_id == message.provider_id)
        or r.out_id == str(message.id)
    ]
    if ours:
        receipt = ours[0]
        if not receipt.provider_id:
            # Found at the provider by our OutId, whose answer (Aliyun's QuerySendDetails
            # without a BizId) does not name its own id: the record is the provider's, kept
            # as "outid:<our id>"; a later receipt still finds the message by its OutId.
            receipt = dataclasses.replace(
                receipt, provider_id=message.provider_id or f"outid:{message.id}"
            )
        return message_record_receipt(account=account, receipt=receipt)
    _settle_if_never_found(message, now=now)
    return False


def _settle_if_never_found(message: Message, *, now: datetime) -> None:
    """The provider has no record of an unknown outcome long after the send: it was not
    taken. A person decides (send by hand, or send again with a confirmation): never
    silently re-sent."""
    settle = timedelta(minutes=int(_conf()["SETTLE_MINUTES"]))
    unsettled = (
        message.state == MessageState.UNKNOWN
        and message.last_error != NOT_FOUND
        and (message.claimed_at or now) < now - settle
    )
    if unsettled and Message.objects.filter(id=message.id, state=MessageState.UNKNOWN).update(
        last_error=NOT_FOUND
    ):
        _event(message, timeline.UNKNOWN, error=NOT_FOUND)


def sms_status_query(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat, every minute: ask the providers about messages whose outcome is unknown and
    accepted messages still without a receipt (up to RECEIPT_HOURS), and pull the replies of
    providers that have them pulled. Returns how many messages changed."""
    now = now or timezone.now()
    conf = _conf()
    every = now - timedelta(seconds=int(conf["QUERY_AFTER_SECONDS"]))
    oldest = now - timedelta(hours=int(conf["RECEIPT_HOURS"]))
    due = list(
        Message.objects.filter(sms_account__isnull=False, claimed_at__lt=every)
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=every))
        .filter(
            Q(state=MessageState.UNKNOWN) & ~Q(last_error=NOT_FOUND) & Q(claimed_at__gte=oldest)
            | Q(state=MessageState.SENT, receipt_at__isnull=True, sent_at__gte=oldest)
        )
        .select_related("sms_account")
        .order_by("checked_at", "id")[:limit]
    )
    changed = 0
    for account in {m.sms_account for m in due}:
        mine = [m for m in due if m.sms_account_id == account.id]
        try:
            client = client_for(account)
        except (ProviderNotInstalled, ValueError) as exc:
            logger.warning("sms account %s cannot be asked: %s", account.id, exc)
            continue
        if hasattr(client, "pull_statuses"):
            # A provider whose pull hands out each report of the whole account once
            # (Tencent's PullSmsSendStatus): one pull, every report applied.
            changed += _pull_statuses(account=account, client=client, messages=mine, now=now)
        else:
            changed += sum(message_query_status(message=m, client=client, now=now) for m in mine)
    for account in SmsAccount.objects.filter(active=True):
        sms_replies_pull(account=account, now=now)
    return changed


def _pull_statuses(*, account: SmsAccount, client, messages: list[Message], now) -> int:
    Message.objects.filter(id__in=[m.id for m in messages]).update(checked_at=now)
    try:
        receipts = client.pull_statuses()
    except SmsProviderError as exc:
        logger.warning("sms status pull for account %s failed: %s", account.id, exc)
        return 0
    changed = sms_receipts_record(account=account, receipts=receipts)
    for message in messages:
        message.refresh_from_db(fields=["state", "last_error"])
        _settle_if_never_found(message, now=now)
    return changed


def sms_replies_pull(*, account: SmsAccount, now: datetime) -> int:
    """The buyers' replies of a provider that has them fetched (those that push them, like
    Aliyun, answer none): since the last pull, or the last hour the first time."""
    since = account.replies_pulled_at or now - timedelta(hours=1)
    try:
        replies = client_for(account).fetch_replies(since)
    except (SmsProviderError, ProviderNotInstalled, ValueError) as exc:
        logger.warning("sms replies pull for account %s failed: %s", account.id, exc)
        return 0
    recorded = sum(sms_reply_record(account=account, reply=r) is not None for r in replies)
    SmsAccount.objects.filter(id=account.id).update(replies_pulled_at=now)
    return recorded


def message_unknown_settle(*, message: Message, user, resend: bool) -> bool:
    """A person's decision on a message whose outcome stayed unknown: send it by hand, or
    let the provider send it again (the person confirmed they accept that the buyer may get
    it twice). False when it was no longer unknown."""
    with transaction.atomic():
        target = MessageState.QUEUED if resend else MessageState.BY_HAND
        done = Message.objects.filter(id=message.id, state=MessageState.UNKNOWN).update(
            state=target, enqueued_at=timezone.now(), last_error=""
        )
        if done != 1:
            return False
        if resend:
            _event(message, timeline.RESENT, actor=user)
            transaction.on_commit(lambda: send_deliver(message.id), robust=True)
        else:
            _event(
                message, timeline.BY_HAND, error=gettext_noop("outcome unknown: a person sends it")
            )
        audit_record(
            actor=user,
            action="sms_unknown_resent" if resend else "sms_unknown_by_hand",
            shop=message.shop,
            target=f"message:{message.id}",
            review=message.review_id,
        )
    return True


def _national(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def sms_reply_record(*, account: SmsAccount, reply: InboundReply) -> InboundSms | None:
    """A buyer's SMS answer: matched by the number to the latest SMS this shop sent to it
    (and so to the buyer and the review). 退订/TD/N… sets do-not-contact at once; any other
    answer goes on the review's timeline and asks for the agent's attention. None for a
    duplicate."""
    phone = _national(reply.phone)
    if not phone:
        return None
    sent = (
        Message.objects.filter(shop_id=account.shop_id, channel=Channel.SMS, to__endswith=phone)
        .exclude(provider_id="")
        .select_related("buyer", "review")
        .order_by("-sent_at", "-id")
        .first()
    )
    buyer = sent.buyer if sent else None
    if buyer is None:
        buyer = Buyer.objects.filter(shop_id=account.shop_id, phone__endswith=phone).last()
    opt_out = wording.is_opt_out(reply.text)
    review = sent.review if sent else (buyer.reviews.order_by("-id").first() if buyer else None)
    try:
        with transaction.atomic():
            if (
                not reply.provider_id
                and InboundSms.objects.filter(
                    account=account, phone=phone, text=reply.text, received_at=reply.received_at
                ).exists()
            ):
                return None
            inbound = InboundSms.objects.create(
                account=account,
                shop_id=account.shop_id,
                buyer=buyer,
                review=review,
                message=sent,
                phone=phone,
                text=reply.text[:2000],
                provider_id=reply.provider_id,
                received_at=reply.received_at,
                opt_out=opt_out,
                seen_at=timezone.now() if opt_out else None,
            )
            if review is not None:
                timeline.message(
                    review,
                    message_id=sent.id if sent else 0,
                    kind=sent.kind if sent else "",
                    channel=Channel.SMS,
                    state=timeline.REPLIED,
                    error="opt_out" if opt_out else "",
                    reply=reply.text,
                )
            if opt_out and buyer is not None:
                buyer_set_do_not_contact(buyer=buyer, user=None)
    except IntegrityError:
        return None  # pushed again: recorded the first time
    if buyer is None:
        logger.warning("sms reply from a number no buyer of shop %s has", account.shop_id)
    return inbound


def sms_replies_seen(*, review, user) -> int:
    """An agent or lead of the shop opened the review: its buyer's SMS answers are read.
    (A manager reads the page without taking the work.)"""
    shops = Membership.objects.filter(user=user, role__in=[Role.AGENT, Role.LEAD])
    # One UPDATE, whoever opens the page: the role check is its subquery.
    return InboundSms.objects.filter(
        review=review, seen_at__isnull=True, shop_id__in=shops.values("shop_id")
    ).update(seen_at=timezone.now())
