"""The 「拨打」 button, the outcome of an answered call, and the endpoint the provider pushes
call records to."""

import hmac
import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from outreach.guardrails import GuardrailError
from outreach.models import Outcome
from outreach.timephrase import TimePhraseError, parse_time_phrase
from reviews.access import get_review_for_user
from reviews.models import Review, Role

from . import services
from .aliyun_pls import PlsError
from .models import CallAccount, CallMode, CallRecord
from .panel import TEMPLATE, panel_context

logger = logging.getLogger(__name__)


def _panel(request: HttpRequest, review: Review, *, status: int = 200, **extra) -> HttpResponse:
    if request.htmx:
        context = {"panel": panel_context(review, request.user, **extra)}
        return render(request, TEMPLATE, context, status=status)
    if extra.get("error"):
        messages.error(request, extra["error"])
    elif extra.get("saved"):
        messages.success(request, extra["saved"])
    return redirect("review_detail", pk=review.pk)


@login_required
@require_POST
def call_dial(request: HttpRequest, pk: int) -> HttpResponse:
    """「拨打」: caps and quiet hours first, then the provider sets the call up."""
    review = get_review_for_user(request, pk, Role.AGENT, Role.LEAD)
    try:
        call = services.call_setup(review=review, agent=request.user)
    except GuardrailError as exc:
        return _panel(request, review, status=400, error=str(exc.message))
    except PlsError as exc:
        logger.warning("masked call not set up for review %s: %s", review.pk, exc.code)
        return _panel(request, review, status=502, error=exc.agent_message)
    if call.mode == CallMode.CLICK:
        saved = _("Your phone will ring now: answer it, and the buyer is called.")
    else:
        saved = _("Dial %(number)s from your own phone before %(until)s.") % {
            "number": call.secret_no + (f" ({call.extension})" if call.extension else ""),
            "until": timezone.localtime(call.expires_at, review.shop.tz).strftime("%H:%M"),
        }
    return _panel(request, review, saved=saved)


def _get_record_for_user(request: HttpRequest, pk: int) -> CallRecord:
    """The call record if its review is in one of the user's shops (agent or lead), else 404."""
    reviews = Review.objects.for_user(request.user, Role.AGENT, Role.LEAD)
    return get_object_or_404(
        CallRecord.objects.filter(review__in=reviews).select_related("review__shop"), pk=pk
    )


@login_required
@require_POST
def call_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The outcome of an answered masked call, asked for on the review page."""
    record = _get_record_for_user(request, pk)
    review = get_review_for_user(request, record.review_id)
    outcome = request.POST.get("outcome", "")
    if outcome not in Outcome.values or outcome == Outcome.NO_ANSWER:
        return _panel(request, review, status=400, error=_("Choose what came of the call."))
    when = None
    if outcome == Outcome.AGREED:
        phrase = request.POST.get("agreed_at", "").strip()[:200]
        try:
            when = parse_time_phrase(phrase, now=timezone.now(), tz=review.shop.tz)
        except TimePhraseError as exc:
            return _panel(request, review, status=400, error=str(exc.message))
    try:
        services.record_outcome(
            record=record,
            agent=request.user,
            outcome=outcome,
            note=request.POST.get("note", "").strip()[:2000],
            when=when,
        )
    except GuardrailError as exc:
        return _panel(request, review, status=400, error=str(exc.message))
    if request.htmx:
        # The whole page changes (the next step, the timeline): reload it.
        return HttpResponseClientRefresh()
    messages.success(request, _("Saved. The next step is planned."))
    return redirect("review_detail", pk=review.pk)


# The provider's push: no session and no CSRF token; the secret token in the path is the
# authentication. Aliyun expects {"code": 0} with HTTP 200, and pushes again otherwise.
RECEIVED = {"code": 0, "msg": "成功"}


@csrf_exempt
@require_POST
def call_records(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    account = CallAccount.objects.filter(shop__slug=slug).select_related("shop").first()
    # Compared in constant time; an unknown shop compares against a dummy all the same.
    expected = account.callback_token if account else "-" * 43
    if not hmac.compare_digest(expected.encode(), token.encode()) or account is None:
        raise Http404
    try:
        items = json.loads(request.body or b"")
    except ValueError:
        return JsonResponse({"code": 1, "msg": "not JSON"}, status=400)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return JsonResponse({"code": 1, "msg": "not a JSON array"}, status=400)
    services.records_receive(account=account, items=items)
    return JsonResponse(RECEIVED, json_dumps_params={"ensure_ascii": False})
