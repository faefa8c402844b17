"""What an open page must know to get a person's attention: the items due now that are theirs
to act on, and a fingerprint of their queue that changes when the queue's content does.

Read by the attention endpoint (views.queue.attention), which static/js/attention.js polls,
and by the navigation's due count.
"""

import hashlib

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews.models import OPEN_STATUSES, Membership, Review, Role
from reviews.privacy import mask_phones

from .models import CareCall, InboundSms, Message, MessageState, PlannedContact, PlanState
from .services.sms_status import NOT_FOUND

ITEMS = 20  # the newest due items sent to the page; the count covers all of them


def due_items(user) -> QuerySet:
    """The follow-ups `user` must act on now. An agent: their own. A lead: their own, plus
    the items of their shops that nobody holds (nobody fitted when they arrived) and those
    of agents who are off duty — otherwise those fall between two chairs."""
    lead_shops = Membership.objects.filter(user=user, role=Role.LEAD).values("shop_id")
    off_duty = Membership.objects.filter(
        shop_id=OuterRef("shop_id"), user_id=OuterRef("assigned_to_id"), on_duty=False
    )
    return (
        PlannedContact.objects.filter(state__in=[PlanState.DUE, PlanState.MISSED])
        .annotate(holder_off_duty=Exists(off_duty))
        .filter(
            Q(assigned_to=user)
            | Q(shop_id__in=lead_shops) & (Q(assigned_to=None) | Q(holder_off_duty=True))
        )
        .order_by("due_at", "id")
    )


def care_calls_due(user, now=None) -> QuerySet:
    """The care calls of high-value orders due now in the shops where `user` is an agent on
    duty or a lead: they belong to no one (there is no review yet), so each of them is told."""
    shops = Membership.objects.filter(user=user).filter(
        Q(role=Role.LEAD) | Q(role=Role.AGENT, on_duty=True)
    )
    return CareCall.objects.filter(shop_id__in=shops.values("shop_id")).due(now or timezone.now())


def by_hand_for(user) -> QuerySet:
    """The messages no provider could send that `user` must send by hand now (or decide on:
    an SMS whose outcome stayed unknown), oldest due
    first: an agent's, those of the reviews they hold; a lead's, every one of their shops
    (unassigned reviews included). They are due from the minute they were to go out."""
    lead_shops = Membership.objects.filter(user=user, role=Role.LEAD).values("shop_id")
    agent_shops = Membership.objects.filter(user=user, role=Role.AGENT).values("shop_id")
    # An SMS whose outcome stayed unknown (the provider never found it) waits for a person
    # too: to send it by hand, or to have it sent again.
    waiting = Q(state=MessageState.BY_HAND) | Q(state=MessageState.UNKNOWN, last_error=NOT_FOUND)
    return (
        Message.objects.filter(waiting)
        .filter(Q(shop_id__in=lead_shops) | Q(shop_id__in=agent_shops, review__assigned_to=user))
        .order_by("enqueued_at", "id")
    )


def sms_replies_for(user) -> QuerySet:
    """Buyers' SMS answers nobody has read yet (an agent opens the review to read them): an
    agent's, those on the reviews they hold; a lead's, every one of their shops."""
    lead_shops = Membership.objects.filter(user=user, role=Role.LEAD).values("shop_id")
    agent_shops = Membership.objects.filter(user=user, role=Role.AGENT).values("shop_id")
    return (
        InboundSms.objects.filter(seen_at__isnull=True, opt_out=False, review__isnull=False)
        .filter(Q(shop_id__in=lead_shops) | Q(shop_id__in=agent_shops, review__assigned_to=user))
        .order_by("received_at", "id")
    )


def due_count(user) -> int:
    """The navigation's badge: the follow-ups, care calls, messages to send by hand and
    buyers' SMS answers `user` must act on now."""
    return (
        due_items(user).count()
        + care_calls_due(user).count()
        + by_hand_for(user).count()
        + sms_replies_for(user).count()
    )


def attention_for(user) -> dict:
    """The endpoint's answer: how many items are due, the newest of them (for a browser
    notification each), and the queue's fingerprint."""
    due = due_items(user)
    care = care_calls_due(user)
    care_count = care.count()
    by_hand = by_hand_for(user)
    by_hand_count = by_hand.count()
    replies = sms_replies_for(user)
    replies_count = replies.count()
    count = due.count() + care_count + by_hand_count + replies_count
    newest = list(due.select_related("review", "buyer", "shop").order_by("-due_at", "-id")[:ITEMS])
    calls = (
        list(care.select_related("order__buyer", "shop").order_by("-due_at", "-id")[:ITEMS])
        if care_count
        else []
    )
    items = [
        {
            "id": item.id,
            "url": reverse("review_detail", args=[item.review_id]),
            "what": str(item.get_kind_display()),
            "who": item.buyer.nick if item.buyer else "",
            "text": mask_phones(item.review.text)[:60],
            "shop": item.shop.name,
        }
        for item in newest
    ]
    items += [
        {
            "id": f"care-{call.id}",
            "url": reverse("order_detail", args=[call.order_id]),
            "what": _("Care call"),
            "who": call.order.buyer.nick if call.order.buyer else "",
            "text": _("Order %(order)s, delivered today") % {"order": call.order.order_id},
            "shop": call.shop.name,
        }
        for call in calls
    ]
    to_send = (
        list(by_hand.select_related("buyer", "shop").order_by("-enqueued_at", "-id")[:ITEMS])
        if by_hand_count
        else []
    )
    items += [
        {
            "id": f"message-{message.id}",
            "url": reverse("outbox"),
            "what": _("To send by hand: %(kind)s") % {"kind": message.get_kind_display()},
            "who": message.buyer.nick,
            "text": mask_phones(message.body)[:60],
            "shop": message.shop.name,
        }
        for message in to_send
    ]
    answers = (
        list(replies.select_related("buyer", "shop").order_by("-received_at", "-id")[:ITEMS])
        if replies_count
        else []
    )
    items += [
        {
            "id": f"sms-reply-{reply.id}",
            "url": reverse("review_detail", args=[reply.review_id]),
            "what": _("The buyer answered by SMS"),
            "who": reply.buyer.nick if reply.buyer else "",
            "text": mask_phones(reply.text)[:60],
            "shop": reply.shop.name,
        }
        for reply in answers
    ]
    seen = newest + [f"care-{call.id}" for call in calls]
    seen += [f"message-{message.id}" for message in to_send]
    seen += [f"sms-reply-{reply.id}" for reply in answers]
    return {"due": count, "items": items, "queue": _queue_fingerprint(user, count, seen)}


def _queue_fingerprint(user, count: int, newest: list) -> str:
    """Changes when the user's queue would show something else: a review given to them or
    taken away, one of theirs changed, an item falling due. One aggregate query."""
    shops = Membership.objects.filter(user=user, role__in=[Role.AGENT, Role.LEAD]).values("shop_id")
    mine = Review.objects.filter(shop_id__in=shops, status__in=OPEN_STATUSES).filter(
        Q(assigned_to=user) | Q(assigned_to=None)
    )
    seen = mine.aggregate(n=Count("id"), changed=Max("updated_at"))
    text = f"{seen['n']}|{seen['changed']}|{count}|{[getattr(i, 'id', i) for i in newest]}"
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()
