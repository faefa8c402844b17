"""The public reply's way: an agent drafts and submits it, a team lead approves or sends it
back, a person posts it on the platform (seed 000 四.5; eBay: never automated)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import timeline
from reviews.models import Membership, Review, Role, Status
from reviews.services import audit_record, review_set_status

from .. import platforms
from ..guardrails import GuardrailError
from ..models import OPEN_PLAN_STATES, Kind, PlanState, PublishOutcome, Reply, ReplyState
from ..replies import check_reply


class ReplyRefused(Exception):
    def __init__(self, problems: list) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@transaction.atomic
def reply_save(
    *, review: Review, user, text: str, situation: str = "", submit: bool = False
) -> Reply:
    """Save the agent's draft; with `submit`, check it and hand it to a lead for approval.

    A posted reply is final; a reply in any other state goes back to draft when edited, so a
    lead never approves text they have not seen.
    """
    reply = Reply.objects.select_for_update().filter(review=review).first()
    if reply is not None and reply.state == ReplyState.POSTED:
        raise GuardrailError("posted", _("This reply is already posted."))
    text = text.strip()
    if submit:
        problems = check_reply(
            text,
            platform=review.shop.platform,
            order_id=review.order_id,
            phone=review.buyer.phone if review.buyer else "",
        )
        if problems:
            raise ReplyRefused(problems)
        deadline = platforms.reply_deadline(
            review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
        )
        if deadline is not None and deadline <= timezone.now():
            raise GuardrailError(
                "deadline", _("The platform's deadline for a public reply has passed.")
            )
    if reply is None:
        reply = Reply(review=review, shop=review.shop)
    reply.text = text
    reply.situation = situation
    reply.drafted_by = user
    reply.state = ReplyState.PENDING if submit else ReplyState.DRAFT
    reply.submitted_at = timezone.now() if submit else None
    reply.decided_by = reply.decided_at = None
    # New text, a new approval: what 「发布到平台」 answered for the old one no longer applies.
    reply.publish_outcome = PublishOutcome.NONE
    reply.publish_code = reply.publish_message = ""
    reply.save()
    if submit:
        timeline.reply(review, actor=user, state="submitted")
    return reply


@transaction.atomic
def reply_decide(
    *, reply: Reply, user, approve: bool, note: str = "", text_digest: str = ""
) -> Reply:
    """A lead approves the reply, or sends it back with a note. Only a pending reply changes.

    Approving needs the `text_digest` of the text the lead read: an agent may re-submit between
    the lead's reading and the click, and the new text must not be approved unseen.
    """
    if not Membership.objects.holds(user, reply.shop, Role.LEAD):
        raise GuardrailError("not_lead", _("Only a team lead of this shop can approve replies."))
    # Locked as reply_save locks it, so no re-submission slips in between check and update.
    current = Reply.objects.select_for_update().filter(pk=reply.pk).first()
    if (
        approve
        and current is not None
        and current.state == ReplyState.PENDING
        and current.text_digest != text_digest
    ):
        raise GuardrailError(
            "text_changed",
            _(
                "The reply text was changed after you opened it. Read the new text below and "
                "decide again; nothing was approved."
            ),
        )
    state = ReplyState.APPROVED if approve else ReplyState.REJECTED
    changed = Reply.objects.filter(pk=reply.pk, state=ReplyState.PENDING).update(
        state=state,
        decided_by=user,
        decided_at=timezone.now(),
        rejection_note="" if approve else note[:500],
    )
    if changed != 1:
        raise GuardrailError("not_pending", _("This reply is no longer waiting for approval."))
    reply.refresh_from_db()
    timeline.reply(reply.review, actor=user, state=state, note=note)
    audit_record(
        actor=user, shop=reply.shop, action=f"reply_{state}", target=f"review:{reply.review_id}"
    )
    return reply


@transaction.atomic
def reply_mark_posted(*, reply: Reply, user) -> Reply:
    """A person posted the approved text on the platform (eBay: never automated)."""
    now = timezone.now()
    changed = Reply.objects.filter(pk=reply.pk, state=ReplyState.APPROVED).update(
        state=ReplyState.POSTED, posted_by=user, posted_at=now
    )
    if changed != 1:
        raise GuardrailError("not_approved", _("Only an approved reply can be marked posted."))
    reply.refresh_from_db()
    _posted(reply.review, user=user, now=now, state="posted")
    return reply


def _posted(review: Review, *, user, now, state: str) -> None:
    """What a posted reply finishes: the reply task, the review's status (replied)."""
    review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES).update(
        state=PlanState.DONE, finished_at=now
    )
    if review.status != Status.REVISED:
        review_set_status(review=review, status=Status.REPLIED, actor=user, now=now)
    timeline.reply(review, actor=user, state=state)


# 「发布到平台」: claimed, then the platform called outside any transaction, then its answer
# recorded. The claim is a conditional update, so a double click or a second tab finds the
# reply taken and never calls the platform twice.


def reply_publish_claim(*, reply: Reply, user) -> Reply:
    """Take the approved reply for one platform call, or say why it cannot be posted now."""
    changed = (
        Reply.objects.filter(pk=reply.pk, state=ReplyState.APPROVED)
        .exclude(publish_outcome__in=[PublishOutcome.POSTING, PublishOutcome.UNKNOWN])
        .update(
            publish_outcome=PublishOutcome.POSTING,
            publish_by=user,
            publish_at=timezone.now(),
            publish_code="",
            publish_message="",
        )
    )
    if changed != 1:
        reply.refresh_from_db()
        if reply.state == ReplyState.POSTED:
            raise GuardrailError("posted", _("This reply is already posted."))
        if reply.publish_outcome in (PublishOutcome.POSTING, PublishOutcome.UNKNOWN):
            raise GuardrailError(
                "publishing",
                _(
                    "This reply was already sent to the platform and its outcome is not "
                    "known yet: check the platform, then mark it posted."
                ),
            )
        raise GuardrailError("not_approved", _("Only an approved reply can be posted."))
    reply.refresh_from_db()
    return reply


@transaction.atomic
def reply_publish_posted(*, reply: Reply, user, platform_reply_id: str = "") -> Reply:
    """The platform accepted the claimed reply: posted, by the person who clicked."""
    now = timezone.now()
    changed = Reply.objects.filter(
        pk=reply.pk, state=ReplyState.APPROVED, publish_outcome=PublishOutcome.POSTING
    ).update(
        state=ReplyState.POSTED,
        posted_by=user,
        posted_at=now,
        publish_outcome=PublishOutcome.POSTED,
        platform_reply_id=platform_reply_id[:100],
    )
    reply.refresh_from_db()
    if changed != 1:
        return reply  # found on the platform by a pull meanwhile: recorded already
    _posted(reply.review, user=user, now=now, state="published")
    audit_record(
        actor=user, shop=reply.shop, action="reply_published", target=f"review:{reply.review_id}"
    )
    return reply


@transaction.atomic
def reply_publish_failed(
    *, reply: Reply, user, outcome: str, code: str = "", message: str = ""
) -> Reply:
    """The claimed reply was refused (not posted: the button is offered again) or its outcome
    is unknown (a person checks the platform and marks it posted by hand)."""
    assert outcome in (PublishOutcome.REFUSED, PublishOutcome.UNKNOWN)
    changed = Reply.objects.filter(pk=reply.pk, publish_outcome=PublishOutcome.POSTING).update(
        publish_outcome=outcome, publish_code=code[:64], publish_message=message[:500]
    )
    reply.refresh_from_db()
    if changed != 1:
        return reply
    refused = outcome == PublishOutcome.REFUSED
    timeline.reply(
        reply.review,
        actor=user,
        state="publish_refused" if refused else "publish_unknown",
        note=message,
    )
    audit_record(
        actor=user,
        shop=reply.shop,
        action="reply_publish_refused" if refused else "reply_publish_unknown",
        target=f"review:{reply.review_id}",
        code=code[:64],
    )
    return reply


@transaction.atomic
def reply_record_found(*, review: Review, text: str) -> bool:
    """A platform connector read a seller reply on the platform that nobody marked posted
    here (posted from the seller's own back office): recorded as posted, the reply task done,
    the review replied. False when a posted reply is already recorded."""
    reply = Reply.objects.select_for_update().filter(review=review).first()
    if reply is not None and reply.state == ReplyState.POSTED:
        return False
    now = timezone.now()
    reply = reply or Reply(review=review, shop=review.shop)
    reply.text = text
    reply.state = ReplyState.POSTED
    reply.posted_by = None
    reply.posted_at = now
    reply.save()
    review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES).update(
        state=PlanState.DONE, finished_at=now
    )
    if review.status != Status.REVISED:
        review_set_status(review=review, status=Status.REPLIED, now=now)
    timeline.reply(review, actor=None, state="found")
    return True
