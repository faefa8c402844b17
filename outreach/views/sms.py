"""SMS: the providers' callbacks (delivery receipts, buyers' replies) and a person's decision
on a message whose outcome stayed unknown.

The callbacks are the only views without a session or CSRF token: the provider calls them.
Aliyun's push carries no signature, so each account's callback URL holds a secret token
(compared in constant time); a wrong token is a 404 and changes nothing. Duplicates are
ignored and reports about unknown messages are logged, and both are answered as the provider
expects, or it pushes them again and again.
"""

import hmac
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..models import SmsAccount
from ..services import sms_status
from ..sms import ProviderNotInstalled, client_for, provider_module
from ..sms.base import BadCallback
from .outbox import _get_message_for_user

logger = logging.getLogger(__name__)

# What each provider expects back, or it pushes the same report again.
ANSWERS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


def _account(provider: str, token: str) -> SmsAccount:
    account = SmsAccount.objects.for_token(provider, token)
    if account is None or not hmac.compare_digest(account.callback_token, token):
        raise Http404
    return account


def _answer(provider: str) -> JsonResponse:
    try:
        answer = getattr(provider_module(provider), "CALLBACK_ANSWER", ANSWERS.get(provider))
    except ProviderNotInstalled:
        answer = ANSWERS.get(provider)
    return JsonResponse(answer or {}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    account = _account(provider, token)
    try:
        receipts = client_for(account).parse_receipts(request.body, request.headers)
    except BadCallback as exc:
        logger.warning("bad sms receipt callback for account %s: %s", account.id, exc)
        return JsonResponse({"code": 400, "msg": str(exc)}, status=400)
    sms_status.sms_receipts_record(account=account, receipts=receipts)
    return _answer(provider)


@csrf_exempt
@require_POST
def sms_replies(request: HttpRequest, provider: str, token: str) -> HttpResponse:
    account = _account(provider, token)
    try:
        replies = client_for(account).parse_replies(request.body, request.headers)
    except BadCallback as exc:
        logger.warning("bad sms reply callback for account %s: %s", account.id, exc)
        return JsonResponse({"code": 400, "msg": str(exc)}, status=400)
    for reply in replies:
        sms_status.sms_reply_record(account=account, reply=reply)
    return _answer(provider)


@login_required
@require_POST
def message_unknown_settle(request: HttpRequest, pk: int) -> HttpResponse:
    """「改为手动发送」 or 「重新发送」 (with its confirmation box) on an SMS whose outcome
    stayed unknown."""
    message = _get_message_for_user(request, pk)
    resend = request.POST.get("action") == "resend"
    if resend and request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box: the buyer may get this message twice."))
    elif sms_status.message_unknown_settle(message=message, user=request.user, resend=resend):
        messages.success(request, _("Sent again.") if resend else _("Moved to send by hand."))
    else:
        messages.error(request, _("This message's outcome is no longer unknown."))
    if message.review_id:
        return redirect("review_detail", pk=message.review_id)
    return redirect("outbox")
