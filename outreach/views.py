"""The agent's actions on a review page (issue 6): log a contact in two clicks, message the
buyer, mark do-not-contact; and the due-follow-ups count in the navigation."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.access import get_review_for_user
from reviews.assignment import StaleReview, review_claim_version
from reviews.models import Review

from . import services
from .guardrails import GuardrailError
from .models import Channel, Outcome, PlannedContact, Resolution
from .timephrase import TimePhraseError, parse_time_phrase
from .work import review_work_context


def _render_work(
    request: HttpRequest, review: Review, *, status: int = 200, **extra
) -> HttpResponse:
    review.refresh_from_db()
    context = review_work_context(review, user=request.user, **extra)
    if request.htmx:
        return render(request, "reviews/review_detail.html#review-work", context, status=status)
    if status >= 400:
        return render(request, "reviews/review_detail.html", context, status=status)
    return redirect("review_detail", pk=review.pk)


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
            services.contact_log(
                review=review,
                agent=request.user,
                channel=channel,
                outcome=outcome,
                note=request.POST.get("note", "").strip()[:2000],
                resolution=resolution,
                refund_percent=_percent(request.POST.get("refund_percent", "")),
            )
            if when is not None:
                services.review_record_agreement(review=review, agent=request.user, when=when)
    except StaleReview:
        return _render_work(
            request,
            review,
            status=409,
            error=_(
                "Someone else updated this review a moment ago. Here is what it looks like now; nothing of yours was saved."
            ),
        )
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message))
    return _render_work(request, review, saved=_("Saved. The next step is planned."))


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
@require_GET
def due_count(request: HttpRequest) -> HttpResponse:
    """The navigation's badge, polled by htmx: follow-ups the user must act on now."""
    n = PlannedContact.objects.due_for(request.user).count()
    return render(request, "outreach/due_count.html", {"due_count": n})
