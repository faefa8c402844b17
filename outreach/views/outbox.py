"""「待手动发送」: the messages no provider could send, for the person who must send them by
hand — the full text to copy, the channel and address, the minute it was due — and the two
answers a person gives: 「已发送」 (by which channel) or 「发送失败」 (why)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews.models import Role, Shop

from .. import services
from ..attention import by_hand_for
from ..models import Channel, Message, MessageState

SHOWN = 200  # the oldest first; the count says how many there are in all
PARTIAL = "outreach/_message.html"


def _get_message_for_user(request: HttpRequest, pk: int) -> Message:
    """The message if it belongs to a shop where the user is an agent or a lead, else 404
    (a manager reads reviews but does not send; another shop must not learn the id)."""
    shops = Shop.objects.for_user(request.user, Role.AGENT, Role.LEAD)
    return get_object_or_404(
        Message.objects.filter(shop__in=shops).select_related("shop", "buyer", "review", "sent_by"),
        pk=pk,
    )


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if not Shop.objects.for_user(request.user, Role.AGENT, Role.LEAD).exists():
        raise PermissionDenied
    waiting = by_hand_for(request.user).select_related("shop", "buyer")
    return render(
        request,
        "outreach/outbox.html",
        {
            "to_send": list(waiting[:SHOWN]),
            "total": waiting.count(),
            "by_hand_channels": Channel.choices,
            "can_act": True,
        },
    )


@login_required
@require_GET
def outbox_count(request: HttpRequest) -> HttpResponse:
    """The navigation's pill beside 「待手动发送」, fetched like the due count."""
    return render(
        request, "outreach/outbox_count.html", {"count": by_hand_for(request.user).count()}
    )


def _answer(request: HttpRequest, message: Message, *, saved: str, status: int = 200):
    message.refresh_from_db()
    if request.htmx:
        context = {"m": message, "can_act": True, "by_hand_channels": Channel.choices}
        return render(request, PARTIAL, context | {"message_saved": saved}, status=status)
    if status < 400:
        messages.success(request, saved)
    else:
        messages.error(request, saved)
    # Back where the form was (the list or the review): a path on this site, nothing else.
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(back)
    if message.review_id:
        return redirect("review_detail", pk=message.review_id)
    return redirect("outbox")


@login_required
@require_POST
def message_sent_by_hand(request: HttpRequest, pk: int) -> HttpResponse:
    message = _get_message_for_user(request, pk)
    channel = request.POST.get("channel", message.channel)
    if channel not in Channel.values:
        return _answer(request, message, saved=_("Choose the channel you used."), status=400)
    if not services.message_confirm_sent_by_hand(
        message=message, user=request.user, channel=channel
    ):
        return _answer(request, message, saved=_already(message))
    return _answer(request, message, saved=_("Recorded: sent by hand."))


@login_required
@require_POST
def message_failed_by_hand(request: HttpRequest, pk: int) -> HttpResponse:
    message = _get_message_for_user(request, pk)
    reason = request.POST.get("reason", "").strip() or _("could not be sent")
    if not services.message_fail_by_hand(message=message, user=request.user, reason=reason):
        return _answer(request, message, saved=_already(message))
    return _answer(request, message, saved=_("Recorded: not sent."))


def _already(message: Message) -> str:
    message.refresh_from_db()
    if message.state == MessageState.SENT_BY_HAND:
        return _("Already recorded as sent by hand.")
    return _("This message is no longer waiting to be sent by hand.")
