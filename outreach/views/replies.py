"""The public reply: the composer's suggestions, the agent's draft and submission, the lead's
decision, the person who posts it, and the approved text as a file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.access import get_review_for_user
from reviews.downloads import attachment
from reviews.models import Shop
from reviews.params import whole

from .. import replies, services
from ..guardrails import GuardrailError
from ..models import Reply, ReplyState
from ..review_page import review_work_context
from .review import PAGE, _render_work


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
        variant=whole(variant, high=1000) or 0,
    )
    return render(request, f"{PAGE}#reply-composer", context)


@login_required
@require_POST
def review_reply(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    text = request.POST.get("text", "")
    situation = request.POST.get("situation", "")
    submit = request.POST.get("action") == "submit"
    if situation and situation not in replies.SITUATION_LABELS:
        return _render_work(
            request, review, status=400, error=_("Choose a situation from the list.")
        )
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
            reply=reply,
            user=request.user,
            approve=approve,
            note=request.POST.get("note", ""),
            text_digest=request.POST.get("text_digest", ""),
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
    # The order id comes from an imported file: any character can be in it.
    response["Content-Disposition"] = attachment(
        f"reply-{reply.review.order_id or reply.review_id}.txt"
    )
    return response
