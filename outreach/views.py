"""The agent's actions on a review page (issue 6): log a contact in two clicks, message the
buyer, mark do-not-contact; and the due-follow-ups count in the navigation."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reviews.access import get_review_for_user
from reviews.assignment import StaleReview, review_claim_version
from reviews.models import Review, Shop

from . import replies, services
from .guardrails import GuardrailError
from .models import (
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Message,
    MessageState,
    Outcome,
    PlannedContact,
    Reply,
    ReplyState,
    Resolution,
)
from .timephrase import TimePhraseError, parse_time_phrase
from .work import review_work_context


def _render_work(
    request: HttpRequest, review: Review, *, status: int = 200, **extra
) -> HttpResponse:
    # Re-read with its shop and buyer: a plain refresh drops them, and the panel needs both.
    review.refresh_from_db(from_queryset=Review.objects.select_related("shop", "buyer"))
    context = review_work_context(review, user=request.user, **extra)
    if request.htmx:
        context["oob"] = True
        return render(request, "reviews/review_detail.html#review-work", context, status=status)
    if status >= 400:
        return render(request, "reviews/review_detail.html", context, status=status)
    if extra.get("saved"):
        # Without htmx (a plain form post) the page is reloaded: say so there.
        messages.success(request, extra["saved"])
    return redirect("review_detail", pk=review.pk)


# Lazy: translated when shown, in the reader's language.
_STALE = gettext_lazy(
    "Someone else updated this review a moment ago. Here is what it looks like now; nothing of yours was saved."
)


def _expected_version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def review_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Channel, then outcome: the playbook plans the next step at once."""
    review = get_review_for_user(request, pk)
    channel = request.POST.get("channel", Channel.PHONE)
    outcome = request.POST.get("outcome", "")
    resolution = request.POST.get("resolution", "")
    if (
        channel not in Channel.values
        or outcome not in Outcome.values
        or resolution not in Resolution.values
    ):
        return _render_work(
            request, review, status=400, error=_("Choose a channel and an outcome.")
        )
    when = None
    if outcome == Outcome.AGREED:
        phrase = request.POST.get("agreed_at", "").strip()
        try:
            when = parse_time_phrase(phrase, now=timezone.now(), tz=review.shop.tz)
        except TimePhraseError as exc:
            return _render_work(
                request, review, status=400, error=str(exc.message), agreed_at=phrase
            )
    try:
        with transaction.atomic():
            # Exactly one of two agents acting on the same review at once wins.
            review_claim_version(review=review, expected_version=_expected_version(request))
            before = _open_steps(review)
            services.contact_log(
                review=review,
                agent=request.user,
                channel=channel,
                outcome=outcome,
                note=request.POST.get("note", "").strip()[:2000],
                resolution=resolution,
                refund_percent=_percent(request.POST.get("refund_percent", "")),
                compensation_amount=_yuan(request.POST.get("compensation_amount", "")),
            )
            if when is not None:
                services.review_record_agreement(review=review, agent=request.user, when=when)
            planned = bool(_open_steps(review) - before)
    except StaleReview:
        return _render_work(
            request,
            review,
            status=409,
            error=_STALE,
        )
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message))
    # Only some outcomes plan something (no answer: the next try; agreed: the follow-up;
    # solved on Tmall: the 追评 request; ...); "reached, in progress" plans nothing, and saying
    # otherwise would have the agent wait for a step that never comes.
    saved = _("Saved. The next step is planned.") if planned else _("Saved.")
    return _render_work(request, review, saved=saved)


def _open_steps(review: Review) -> set[tuple[str, int]]:
    """What is waiting to happen for the review: its open planned contacts and its messages
    not yet sent. What a contact adds to this set is what it planned."""
    plans = PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES)
    unsent = Message.objects.filter(
        review=review, state__in=[MessageState.QUEUED, MessageState.SENDING]
    )
    return {("plan", pk) for pk in plans.values_list("pk", flat=True)} | {
        ("message", pk) for pk in unsent.values_list("pk", flat=True)
    }


def _yuan(value: str) -> Decimal | None:
    try:
        amount = Decimal(value.strip().lstrip("¥"))
    except (InvalidOperation, ValueError):
        return None
    return amount.quantize(Decimal("0.01")) if amount > 0 and amount.is_finite() else None


def _percent(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= 100 else None


@login_required
@require_POST
def review_message(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    channel = request.POST.get("channel", Channel.SMS)
    body = request.POST.get("body", "").strip()
    if channel not in (Channel.IM, Channel.SMS, Channel.PLATFORM) or not body:
        return _render_work(
            request,
            review,
            status=400,
            error=_("Write a message and choose IM, SMS or platform message."),
            body=body,
        )
    try:
        with transaction.atomic():
            services.message_send(review=review, agent=request.user, channel=channel, body=body)
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message), body=body)
    return _render_work(request, review, saved=_("Message queued."))


@login_required
@require_POST
def review_do_not_contact(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    if review.buyer is None:
        return _render_work(request, review, status=400, error=_("This review has no known buyer."))
    with transaction.atomic():
        n = services.buyer_set_do_not_contact(buyer=review.buyer, user=request.user)
    return _render_work(
        request,
        review,
        saved=_("Recorded: do not contact. %(n)d planned items cancelled.") % {"n": n},
    )


@login_required
@require_POST
def review_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open review with nothing more to do, and why."""
    review = get_review_for_user(request, pk)
    reason = request.POST.get("reason", "")
    note = request.POST.get("note", "").strip()[:500]
    try:
        with transaction.atomic():
            review_claim_version(review=review, expected_version=_expected_version(request))
            n = services.review_close(review=review, user=request.user, reason=reason, note=note)
    except StaleReview:
        return _render_work(request, review, status=409, error=_STALE)
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message))
    return _render_work(
        request,
        review,
        saved=_("Closed. %(n)d planned items cancelled.") % {"n": n},
    )


@login_required
@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    try:
        services.review_reopen(review=review, user=request.user)
    except GuardrailError as exc:
        status = 403 if exc.code == "needs_lead" else 400
        return _render_work(request, review, status=status, error=str(exc.message))
    return _render_work(request, review, saved=_("Reopened: the review is open work again."))


@login_required
@require_POST
def compensation_decide(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(
        ContactAttempt.objects.filter(
            review__shop__in=Shop.objects.for_user(request.user)
        ).select_related("review__shop"),
        pk=pk,
    )
    approve = request.POST.get("decision") == "approve"
    try:
        services.compensation_decide(attempt=attempt, user=request.user, approve=approve)
    except GuardrailError as exc:
        if exc.code == "not_lead":
            raise PermissionDenied(str(exc.message)) from None
        messages.warning(request, str(exc.message))
    else:
        messages.success(
            request, _("Compensation approved.") if approve else _("Compensation refused.")
        )
    return redirect(f"{reverse('board')}?shop={attempt.review.shop.slug}")


@login_required
@require_GET
def due_count(request: HttpRequest) -> HttpResponse:
    """The navigation's badge, polled by htmx: follow-ups the user must act on now."""
    n = PlannedContact.objects.due_for(request.user).count()
    return render(request, "outreach/due_count.html", {"due_count": n})


@login_required
@require_GET
def review_reply_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    """Another wording, or another situation's template, into the composer."""
    review = get_review_for_user(request, pk)
    situation = request.GET.get("situation", "")
    if situation not in replies.SITUATION_LABELS:
        situation = ""
    variant = request.GET.get("variant", "0")
    context = review_work_context(
        review,
        user=request.user,
        situation=situation,
        variant=int(variant) if variant.isdigit() else 0,
    )
    return render(request, "reviews/review_detail.html#reply-composer", context)


@login_required
@require_POST
def review_reply(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    text = request.POST.get("text", "")
    situation = request.POST.get("situation", "")
    submit = request.POST.get("action") == "submit"
    try:
        services.reply_save(
            review=review, user=request.user, text=text, situation=situation, submit=submit
        )
    except services.ReplyRefused as exc:
        return _render_work(
            request,
            review,
            status=400,
            error=_("The reply was not submitted: %(problems)s")
            % {"problems": "; ".join(p.message for p in exc.problems)},
        )
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message))
    return _render_work(
        request,
        review,
        saved=_("Submitted for a team lead's approval.") if submit else _("Draft saved."),
    )


def _get_reply_for_user(request: HttpRequest, pk: int) -> Reply:
    return get_object_or_404(
        Reply.objects.filter(shop__in=Shop.objects.for_user(request.user)).select_related(
            "review", "shop"
        ),
        pk=pk,
    )


@login_required
@require_POST
def reply_decide(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _get_reply_for_user(request, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.reply_decide(
            reply=reply, user=request.user, approve=approve, note=request.POST.get("note", "")
        )
    except GuardrailError as exc:
        if exc.code == "not_lead":
            raise PermissionDenied(str(exc.message)) from None
        return _render_work(request, reply.review, status=409, error=str(exc.message))
    if request.POST.get("next") == "board":
        messages.success(
            request, _("Reply approved.") if approve else _("Reply sent back to the agent.")
        )
        return redirect(f"{reverse('board')}?shop={reply.shop.slug}")
    return _render_work(
        request,
        reply.review,
        saved=_("Reply approved.") if approve else _("Reply sent back to the agent."),
    )


@login_required
@require_POST
def reply_posted(request: HttpRequest, pk: int) -> HttpResponse:
    reply = _get_reply_for_user(request, pk)
    try:
        services.reply_mark_posted(reply=reply, user=request.user)
    except GuardrailError as exc:
        return _render_work(request, reply.review, status=409, error=str(exc.message))
    return _render_work(request, reply.review, saved=_("Marked as posted."))


@login_required
@require_GET
def reply_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved text as a file, for whoever posts it on the platform."""
    reply = _get_reply_for_user(request, pk)
    if reply.state not in (ReplyState.APPROVED, ReplyState.POSTED):
        raise Http404
    response = HttpResponse(reply.text + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="reply-{reply.review.order_id or reply.review_id}.txt"'
    )
    return response
