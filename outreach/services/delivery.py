"""Messages to buyers: the outbox row, its delivery through the configured backend, and the
sweep that keeps the outbox honest.

The Message row is the outbox: written in the transaction that decides the message, its
delivery task enqueued once that commits. Enqueueing right after the commit is not enough on
its own (with Redis down the row commits and the task is lost), so the sweep re-enqueues
queued rows whose task never ran. Delivery claims the row (queued → sending) with a
conditional update before talking to any provider, so a message is sent at most once.
"""

import logging
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews import timeline
from reviews.models import Review, Status

from .. import guardrails, wording
from ..backends import ByHand, DeliveryError, SendUnknown, Throttled, get_backend
from ..backends.sms import throttle_delay
from ..models import Channel, Message, MessageState, PlannedContact, Playbook

logger = logging.getLogger(__name__)

# outreach.tasks registers the task under this name; services enqueue by name so they never
# import the tasks module that imports them.
DELIVER_TASK = "outreach.tasks.deliver_message_task"


def _lease() -> timedelta:
    return timedelta(seconds=float(settings.OUTREACH_DISPATCH["CLAIM_LEASE_SECONDS"]))


def send_deliver(message_id: int) -> None:
    """Enqueue a message's delivery (the worker's side: message_deliver)."""
    current_app.send_task(DELIVER_TASK, args=(message_id,), retry=False)


def message_create(
    *,
    review: Review,
    kind: str,
    channel: str,
    body: str,
    planned: PlannedContact | None = None,
    now=None,
) -> Message:
    """Write the outbox row; enqueue its delivery once the transaction commits."""
    buyer = review.buyer
    now = now or timezone.now()
    to = buyer.phone if channel == Channel.SMS else buyer.nick
    key = f"plan-{planned.id}" if planned else f"{kind}-{review.id}-{now.timestamp():.6f}"
    message = Message.objects.create(
        shop=review.shop,
        review=review,
        buyer=buyer,
        planned_contact=planned,
        kind=kind,
        channel=channel,
        to=to,
        body=body,
        idempotency_key=key,
        enqueued_at=now,
        created_at=now,
    )
    timeline.message(
        review, message_id=message.id, kind=kind, channel=channel, state=timeline.QUEUED
    )
    # robust: with Redis down the row is committed and the sweep enqueues it later.
    transaction.on_commit(lambda: send_deliver(message.id), robust=True)
    return message


def message_deliver(*, message_id: int) -> bool:
    """Send one message through the configured backend, at most once. True only when a
    provider accepted it; a backend that cannot send it leaves it to send by hand.

    The claim (queued → sending) commits before the provider is called: a second copy of
    the task (broker redelivery, a racing worker) finds the row taken and does nothing.
    """
    now = timezone.now()
    claimed = Message.objects.filter(id=message_id, state=MessageState.QUEUED).update(
        state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return False
    message = Message.objects.select_related("buyer__shop", "review", "shop").get(id=message_id)
    if message.buyer.do_not_contact_at is not None:
        return message_failed(message, "buyer asked not to be contacted")
    if message.review and message.review.status in (Status.REVISED, Status.CLOSED):
        return message_failed(message, f"not sent: the review is {message.review.status}")
    problem = wording.compliance_problem(message.body)
    if problem:
        return message_failed(message, problem)
    playbook = Playbook.objects.for_shop(message.shop)
    buyer_tz = message.buyer.tz
    if guardrails.is_quiet(now, playbook=playbook, buyer_tz=buyer_tz):
        # Delivery delayed into quiet hours (a broker outage, a long queue): hold it. The
        # sweep picks it up once enqueued_at + lease has passed, i.e. after quiet hours.
        later = guardrails.next_allowed(
            now, playbook=playbook, buyer_tz=buyer_tz, shop_tz=message.shop.tz, call=False
        )
        Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
            state=MessageState.QUEUED, enqueued_at=later
        )
        if message.review:
            _message_event(message, timeline.HELD, until=later)
        return False
    try:
        provider_id = get_backend().send(message)
    except ByHand as exc:
        # No provider sent it: it waits for a person (the 「待手动发送」 list), never 「已发送」.
        Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
            state=MessageState.BY_HAND
        )
        if message.review:
            _message_event(message, timeline.BY_HAND, error=str(exc))
        return False
    except SendUnknown as exc:
        # The provider may have it, and providers do not de-duplicate: never sent again by
        # itself. Its status is asked for (services.sms_status) and shown as unknown until.
        Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
            state=MessageState.UNKNOWN,
            sms_account_id=message.sms_account_id,
            last_error=str(exc)[:500],
        )
        if message.review:
            _message_event(message, timeline.UNKNOWN, error=str(exc))
        return False
    except Throttled as exc:
        return message_throttled(message, str(exc))
    except DeliveryError as exc:
        return message_failed(message, str(exc))
    Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
        state=MessageState.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        sms_account_id=message.sms_account_id,
    )
    if message.review:
        _message_event(message, timeline.SENT, provider_id=provider_id)
    return True


def _message_event(message: Message, state: str, **details) -> None:
    timeline.message(
        message.review,
        message_id=message.id,
        kind=message.kind,
        channel=message.channel,
        state=state,
        **details,
    )


def message_failed(message: Message, error: str) -> bool:
    Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
        state=MessageState.FAILED, last_error=error[:500]
    )
    if message.review:
        _message_event(message, timeline.FAILED, error=error)
    return False


def message_throttled(message: Message, error: str) -> bool:
    """The provider's rate limit: nothing was sent. The message goes back to the queue and is
    tried again after a growing pause (still one SMS), and fails after THROTTLE_TRIES."""
    if message.attempts >= int(settings.OUTREACH_SMS["THROTTLE_TRIES"]):
        return message_failed(message, f"still throttled after {message.attempts} tries: {error}")
    delay = throttle_delay(message.attempts)
    later = timezone.now() + timedelta(seconds=delay)
    # enqueued_at in the future: the sweep (enqueued_at + lease) is the safety net if the
    # short countdown below is lost with the broker.
    Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
        state=MessageState.QUEUED, enqueued_at=later, last_error=error[:500]
    )
    try:
        current_app.send_task(DELIVER_TASK, args=(message.id,), countdown=delay, retry=False)
    except Exception:
        logger.exception("broker unavailable; throttled message %s waits for the sweep", message.id)
    return False


def messages_stop(queryset, *, why: str) -> int:
    """Queued messages of `queryset`, and those waiting to be sent by hand, will not be sent
    (the review closed, the buyer asked not to be contacted). Conditional on the state: a
    message a worker is sending right now is left to it. Returns how many were stopped."""
    return queryset.filter(state__in=[MessageState.QUEUED, MessageState.BY_HAND]).update(
        state=MessageState.FAILED, last_error=why
    )


def message_sweep(*, now: datetime | None = None) -> int:
    """The outbox's safety net: re-enqueue queued messages whose enqueue was lost (Redis was
    down at commit), and fail messages stuck mid-send — the provider may or may not have got
    them, and sending again could send twice, so a person decides (visible on the review). An
    SMS stuck mid-send is left with its outcome unknown instead: its status is asked for."""
    now = now or timezone.now()
    lease = now - _lease()
    for message in Message.objects.filter(
        state=MessageState.SENDING, claimed_at__lt=lease
    ).select_related("review"):
        if message.sms_account_id:
            # An SMS account may hold it: unknown, and its status is asked for.
            error = "worker lost mid-send: outcome unknown, not retried"
            if (
                Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
                    state=MessageState.UNKNOWN, last_error=error
                )
                and message.review
            ):
                _message_event(message, timeline.UNKNOWN, error=error)
            continue
        message_failed(message, "worker lost mid-send: outcome unknown, not retried")
    requeued = 0
    for message_id in Message.objects.filter(
        state=MessageState.QUEUED, enqueued_at__lt=lease
    ).values_list("id", flat=True)[:1000]:
        if Message.objects.filter(
            id=message_id, state=MessageState.QUEUED, enqueued_at__lt=lease
        ).update(enqueued_at=now):
            try:
                send_deliver(message_id)
            except Exception:
                logger.exception(
                    "broker unavailable; message %s waits for the next sweep", message_id
                )
                Message.objects.filter(id=message_id).update(enqueued_at=lease)
                break
            requeued += 1
    return requeued
