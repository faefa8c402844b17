"""The review page and what an agent does on it: log a contact in two clicks (the playbook
plans the next step), message the buyer, reveal the phone (logged), correct the
classification, mark do-not-contact, record the buyer's revision, close and reopen."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from reviews.access import get_review_for_user
from reviews.audit import client_ip
from reviews.models import Rating, Review, Role, Severity
from reviews.params import whole
from reviews.services import StaleReview, buyer_reveal_phone, review_claim_version
from reviews.taxonomy import CAUSE_OF

from .. import services
from ..guardrails import GuardrailError
from ..models import (
    OPEN_PLAN_STATES,
    Channel,
    Message,
    MessageState,
    Outcome,
    PlannedContact,
    Resolution,
)
from ..review_page import call_panel, review_work_context
from ..services import sms_status
from ..timephrase import TimePhraseError, parse_time_phrase
from . import agreed_time

PAGE = "outreach/review_detail.html"


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    # The buyer's SMS answers on this review are read now: they stop asking for attention.
    sms_status.sms_replies_seen(review=review, user=request.user)
    return render(request, PAGE, review_work_context(review, user=request.user))


def _render_work(
    request: HttpRequest, review: Review, *, status: int = 200, **extra
) -> HttpResponse:
    # Re-read with its shop and buyer: a plain refresh drops them, and the panel needs both.
    review.refresh_from_db(from_queryset=Review.objects.select_related("shop", "buyer"))
    context = review_work_context(review, user=request.user, **extra)
    if request.htmx:
        context["oob"] = True
        return render(request, f"{PAGE}#review-work", context, status=status)
    if status >= 400:
        return render(request, PAGE, context, status=status)
    if extra.get("saved"):
        # Without htmx (a plain form post) the page is reloaded: say so there.
        messages.success(request, extra["saved"])
    if extra.get("off_duty"):
        messages.warning(request, extra["off_duty"])
    return redirect("review_detail", pk=review.pk)


# The review page's work panel after an action, for views of other apps (connectors).
render_work = _render_work

# Lazy: translated when shown, in the reader's language.
_STALE = gettext_lazy(
    "Someone else updated this review a moment ago. Here is what it looks like now; nothing of yours was saved."
)


def _expected_version(request: HttpRequest) -> int | None:
    """The version the form was made from (None: the caller sent none). One that is not a
    number matches no version, so the action is refused as stale."""
    value = request.POST.get("version", "")
    if not value:
        return None
    version = whole(value)
    return -1 if version is None else version


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
    try:
        refund_percent = _percent(request.POST.get("refund_percent", ""))
        compensation_amount = _yuan(request.POST.get("compensation_amount", ""))
    except BadNumber:
        return _render_work(
            request,
            review,
            status=400,
            error=_(
                "The refund is a whole percentage from 1 to 100, and the compensation an "
                "amount in yuan from 0.01 to 99,999,999.99."
            ),
        )
    when = None
    if outcome == Outcome.AGREED:
        phrase = request.POST.get("agreed_at", "").strip()[:200]
        now = timezone.now()
        when = agreed_time.shown_minute(request, phrase, now=now)
        if when is None:
            try:
                when = parse_time_phrase(phrase, now=now, tz=agreed_time.agreed_zone(review))
            except TimePhraseError as exc:
                # The hint (and, for an ambiguous hour, its buttons) under the box as well.
                preview = agreed_time.preview_context(review, phrase, now=now)
                return _render_work(request, review, status=400, error=str(exc.message), **preview)
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
                refund_percent=refund_percent,
                compensation_amount=compensation_amount,
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
        # Refused (quiet hours, a platform rule): the agreed time stays in the box, understood.
        kept = {}
        if when is not None:
            kept = agreed_time.preview_context(review, phrase, now=timezone.now())
        return _render_work(request, review, status=400, error=str(exc.message), **kept)
    # Only some outcomes plan something (no answer: the next try; agreed: the follow-up;
    # solved on Tmall: the 追评 request; ...); "reached, in progress" plans nothing, and saying
    # otherwise would have the agent wait for a step that never comes.
    saved = _("Saved. The next step is planned.") if planned else _("Saved.")
    if when is not None:
        saved = _("Saved. The next step is planned. Follow-up at %(when)s (%(zone)s).") % {
            "when": agreed_time.describe(when, review, now=timezone.now()),
            "zone": agreed_time.zone_label(review),
        }
        off_duty = agreed_time.off_duty_warning(review, when)
        return _render_work(request, review, saved=saved, off_duty=off_duty)
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


MAX_YUAN = Decimal("99999999.99")  # the column's 10 digits, 2 after the point


class BadNumber(ValueError):
    pass


def _yuan(value: str) -> Decimal | None:
    """An amount in yuan (None if left empty); anything else that is not an amount from
    0.01 to MAX_YUAN (NaN, inf, 1e400, -1, words) is BadNumber, said to the agent."""
    text = value.strip().lstrip("¥").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
        if not amount.is_finite() or not Decimal("0.01") <= amount <= MAX_YUAN:
            raise BadNumber
        return amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise BadNumber from exc


def _percent(value: str) -> int | None:
    """A refund percentage (None if left empty), a whole number from 1 to 100."""
    if not value.strip():
        return None
    percent = whole(value.strip(), low=1, high=100)
    if percent is None:
        raise BadNumber
    return percent


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
def review_revised(request: HttpRequest, pk: int) -> HttpResponse:
    """「买家已修改」: the agent saw the buyer's changed rating on the platform."""
    # The people who work reviews: a shop's agents and leads (a manager reads only).
    review = get_review_for_user(request, pk, Role.AGENT, Role.LEAD)
    rating = request.POST.get("rating", Rating.POSITIVE)
    try:
        with transaction.atomic():
            review_claim_version(review=review, expected_version=_expected_version(request))
            n = services.review_mark_revised(review=review, agent=request.user, rating=rating)
    except StaleReview:
        return _render_work(request, review, status=409, error=_STALE)
    except GuardrailError as exc:
        return _render_work(request, review, status=400, error=str(exc.message))
    if rating == Rating.POSITIVE:
        saved = _("Revised. %(n)d planned items and messages stopped.") % {"n": n}
    else:
        saved = _("The buyer's new rating is recorded; the review stays open.")
    return _render_work(request, review, saved=saved)


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
def review_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    panel = call_panel(review, request.user)
    if panel is not None:
        # Masked calling: calls go through a privacy number and the number stays hidden.
        context = {"review": review, "call_panel": panel}
        return render(request, f"{PAGE}#buyer-phone", context, status=403)
    phone = buyer_reveal_phone(review=review, user=request.user, ip=client_ip(request))
    return render(request, f"{PAGE}#buyer-phone", {"review": review, "revealed_phone": phone})


@login_required
@require_POST
def review_correct(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    subcause = request.POST.get("subcause", review.subcause)
    severity = request.POST.get("severity", review.severity)
    cause = CAUSE_OF.get(subcause)
    if cause is None or severity not in Severity.values:
        context = review_work_context(
            review,
            user=request.user,
            correction_error=_("Choose a sub-cause and a severity from the lists."),
        )
        return render(request, f"{PAGE}#classification", context, status=400)
    services.classification_correct(
        review=review, user=request.user, cause=cause, subcause=subcause, severity=severity
    )
    review.refresh_from_db()
    context = review_work_context(review, user=request.user, corrected=True)
    if request.htmx:
        return render(request, f"{PAGE}#classification", context)
    return redirect("review_detail", pk=review.pk)
