"""Writes. Every state change of a review goes through a function here and leaves an event."""

from django.utils import timezone

from .models import AuditLog, Buyer, EventKind, Heartbeat, Review, ReviewEvent


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def audit_record(
    *, actor, action: str, shop=None, target: str = "", ip: str | None = None, **data
) -> AuditLog:
    """Append one line to the audit log (who, what, when, from where)."""
    return AuditLog.objects.create(
        actor=actor, shop=shop, action=action, target=target[:100], ip=ip or None, data=data
    )


def buyer_reveal_phone(*, review: Review, user, ip: str | None) -> str:
    """Personal data on demand: the full number, with the reveal logged and on the timeline."""
    buyer: Buyer | None = review.buyer
    if buyer is None or not buyer.phone:
        return ""
    audit_record(
        actor=user,
        action="phone_revealed",
        shop=review.shop,
        target=f"buyer:{buyer.pk}",
        ip=ip,
        review=review.pk,
    )
    ReviewEvent.objects.create(
        review=review,
        kind=EventKind.NOTE,
        actor=user,
        data={"phone_revealed": True},
        message="phone revealed",
    )
    return buyer.phone
