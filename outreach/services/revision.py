"""The buyer changed the review: what stops at once.

Two ways in — an agent who sees it on the platform (「买家已修改」) and an import (file,
webhook, connector) whose row comes back positive — and one rule: once the review is revised
to positive nothing planned for it may still happen and no queued message go out, in the same
transaction that records the revision, not later when the hand-off or the dispatcher gets
round to it (a reminder must never reach a buyer who already revised).

A change that is not yet positive (差评 → 中评) is recorded and the work goes on; on a
platform that allows one change only (Taobao, eBay) nothing that asks for a revision can work
any more, so those items stop and the public reply is what is left.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import OPEN_STATUSES, Rating, Review, Status
from reviews.services import audit_record, review_record_rating_change, review_set_status

from .. import platforms
from ..guardrails import GuardrailError
from ..models import Playbook
from .delivery import messages_stop
from .planning import cancel_pending, plan_reply_now, stop_revise_requests

# Ratings from worst to best: a buyer's change that the desk records only goes up.
_RANK = {Rating.NEGATIVE: 0, Rating.NEUTRAL: 1, Rating.POSITIVE: 2}
STOPPED_REVISED = "not sent: the review is revised"


def _stop_everything(review: Review, *, actor=None, now=None) -> int:
    cancelled = cancel_pending(
        review.planned_contacts.all(), reason="review_revised", actor=actor, now=now
    )
    return cancelled + messages_stop(review.messages.all(), why=STOPPED_REVISED)


@transaction.atomic
def review_mark_revised(*, review: Review, agent, rating: str = Rating.POSITIVE) -> int:
    """An agent saw on the platform that the buyer changed the review to `rating`.

    Positive: the review is revised — every pending item is cancelled and every queued
    message stopped at once, on the timeline and in the audit log; it counts in the reports
    as an import that shows it revised does. Neutral (from negative): the change is recorded
    and the work goes on; where the platform allows one change only, the requests to revise
    stop and the public reply is planned. Returns how many items and messages were stopped.
    """
    if review.status not in OPEN_STATUSES:
        raise GuardrailError("not_open", _("Only an open review can be marked as revised."))
    if rating not in _RANK or _RANK[rating] <= _RANK.get(review.rating, 0):
        raise GuardrailError(
            "not_better",
            _("Choose the buyer's new rating: better than the review's current one."),
        )
    now = timezone.now()
    old = review.rating
    review_record_rating_change(review=review, rating=rating, actor=agent, now=now)
    if rating == Rating.POSITIVE:
        stopped = _stop_everything(review, actor=agent, now=now)
    else:
        stopped = 0
        if review.status == Status.AGREED:
            review_set_status(review=review, status=Status.CONTACTING, actor=agent, now=now)
        if platforms.rules_for(review.shop.platform).revise_once:
            stopped = stop_revise_requests(review, actor=agent, now=now)
            playbook = Playbook.objects.for_shop(review.shop)
            plan_reply_now(review=review, playbook=playbook, now=now, actor=agent)
    audit_record(
        actor=agent,
        shop=review.shop,
        action="review_revised",
        target=f"review:{review.id}",
        old=old,
        new=rating,
        stopped=stopped,
    )
    return stopped


def reviews_stop_revised(*, review_ids: list[int]) -> int:
    """What ingestion calls (settings.REVIEWS_REVISED_STOPPER) inside the transaction that
    stores reviews an import shows revised: everything pending for them stops now."""
    now = timezone.now()
    stopped = 0
    for review in Review.objects.filter(id__in=review_ids, status=Status.REVISED):
        stopped += _stop_everything(review, now=now)
    return stopped
