"""The review page's 「拨打」 panel when the shop calls through privacy numbers: the button, the
number to dial (AXB) until when, and the answered calls waiting for their outcome.

outreach's review page asks settings.OUTREACH_CALL_PANEL (this module's review_call_panel)
whether masked calling is on; a panel (not None) also hides the buyer's number there."""

from django.utils import timezone

from outreach.models import Outcome
from reviews.models import Membership, Review, Role

from .models import AgentPhone, CallMode, CallRecord, MaskedCall
from .services import account_for

TEMPLATE = "calls/_review_panel.html"


def review_call_panel(review: Review, user) -> dict | None:
    """None when the shop has masked calling off (the manual path stays); else the panel."""
    if account_for(review.shop) is None:
        return None
    return panel_context(review, user)


def panel_context(review: Review, user, **extra) -> dict:
    now = timezone.now()
    roles = set(
        Membership.objects.filter(user=user, shop=review.shop).values_list("role", flat=True)
    )
    active = (
        MaskedCall.objects.filter(
            review=review,
            agent=user,
            mode=CallMode.AXB,
            unbound_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at")
        .first()
    )
    prompts = list(
        CallRecord.objects.filter(
            review=review, attempt__isnull=True, released_at__isnull=False, talk_seconds__gt=0
        )
        .select_related("agent")
        .order_by("release_time")
    )
    for record in prompts:
        record.minutes, record.seconds = divmod(record.talk_seconds or 0, 60)
    return {
        "template": TEMPLATE,
        "review": review,
        "active_call": active,
        "prompts": prompts,
        "can_call": bool(roles & {Role.AGENT, Role.LEAD}),
        "is_lead": Role.LEAD in roles,
        "has_phone": AgentPhone.objects.filter(user=user).exists(),
        "outcomes": [(v, label) for v, label in Outcome.choices if v != Outcome.NO_ANSWER],
        **extra,
    }
