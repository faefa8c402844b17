"""Messages sent by hand: a person confirms that the message no provider could send went
out (by the channel they actually used), or says it could not be sent.

Each is a conditional update from 「待手动发送」 that must change exactly one row: two clicks
(two tabs, two agents) record once, and the second is told it was already recorded.
"""

from django.db import transaction
from django.utils import timezone

from reviews import timeline
from reviews.services import audit_record

from ..models import Channel, Message, MessageState


def _event(message: Message, state: str, *, actor, channel: str, error: str = "") -> None:
    if message.review_id:
        timeline.message(
            message.review_id,
            message_id=message.id,
            kind=message.kind,
            channel=channel,
            state=state,
            error=error,
            actor=actor,
        )


def message_confirm_sent_by_hand(*, message: Message, user, channel: str) -> bool:
    """「已发送」 on a message to send by hand: `user` sent it by `channel`. False (and nothing
    written) when it was no longer waiting — someone recorded it a moment ago."""
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    now = timezone.now()
    with transaction.atomic():
        done = Message.objects.filter(id=message.id, state=MessageState.BY_HAND).update(
            state=MessageState.SENT_BY_HAND,
            sent_by=user,
            sent_by_hand_channel=channel,
            sent_at=now,
        )
        if done != 1:
            return False
        _event(message, timeline.SENT_BY_HAND, actor=user, channel=channel)
        audit_record(
            actor=user,
            action="message_sent_by_hand",
            shop=message.shop,
            target=f"message:{message.id}",
            review=message.review_id,
            channel=channel,
        )
    return True


def message_fail_by_hand(*, message: Message, user, reason: str) -> bool:
    """「发送失败」 on a message to send by hand: `user` could not send it (`reason`). False
    when it was no longer waiting."""
    reason = reason.strip()[:200]
    with transaction.atomic():
        done = Message.objects.filter(id=message.id, state=MessageState.BY_HAND).update(
            state=MessageState.FAILED, sent_by=user, last_error=reason
        )
        if done != 1:
            return False
        _event(message, timeline.FAILED_BY_HAND, actor=user, channel=message.channel, error=reason)
        audit_record(
            actor=user,
            action="message_by_hand_failed",
            shop=message.shop,
            target=f"message:{message.id}",
            review=message.review_id,
            reason=reason,
        )
    return True
