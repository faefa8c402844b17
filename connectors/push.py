"""Kuaishou's push (消息推送), a trigger only: a message that a shop has a new comment queues
an early pull of that shop; the scheduled pull still runs, since pushes can be lost or
duplicated, and nothing in a push is stored.

The platform POSTs each message to the URL registered for the app, here one per shop
(`/api/kuaishou/push/<shop slug>`): the body is the message JSON encrypted with the app's
message key (消息密钥, base64 of an AES key) — AES-CBC, a zero IV, PKCS#5 padding — then
base64. A body that the shop's key decrypts to a message of the shop's app (its `appKey`) is
the platform's; it is answered `{"result": 1}`, which the platform takes as received.
Anything else is refused with nothing done: an unknown shop or one without a Kuaishou
connection 404, a body its key does not decrypt or of another app 403."""

import base64
import binascii
import json
import logging

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reviews.models import Platform

from .models import PlatformConnection
from .triggers import connection_pull_soon

logger = logging.getLogger(__name__)


class Undecryptable(ValueError):
    pass


def decrypt(body: bytes, key_b64: str) -> dict:
    """The push's message, or Undecryptable when this key did not encrypt it."""
    try:
        key = base64.b64decode(key_b64, validate=True)
        sealed = base64.b64decode(body.strip(), validate=True)
        if len(key) not in (16, 24, 32) or not sealed or len(sealed) % 16:
            raise Undecryptable("not an AES-CBC body for this key")
        decryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor()
        padded = decryptor.update(sealed) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        message = json.loads(plain.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Undecryptable(str(exc)) from None
    if not isinstance(message, dict):
        raise Undecryptable("the message is not an object")
    return message


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"result": 0, "error_msg": message}, status=status)


# Authenticated by the shop's message key, not by a session cookie.
@csrf_exempt
@require_POST
def kuaishou_push(request: HttpRequest, slug: str) -> JsonResponse:
    connection = (
        PlatformConnection.objects.filter(shop__slug=slug, platform=Platform.KUAISHOU)
        .select_related("shop")
        .first()
    )
    if connection is None or not connection.push_secret:
        return _refuse(404, "unknown shop")
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "too large")
    try:
        message = decrypt(body, connection.push_secret)
    except Undecryptable:
        return _refuse(403, "not signed by this shop's app")
    if str(message.get("appKey", "")) != connection.app_key:
        return _refuse(403, "not signed by this shop's app")
    # Pushes arriving together (a burst of comments, the platform's retries) queue one pull;
    # a switched-off or expired connection none.
    queued = connection_pull_soon(connection_id=connection.id)
    logger.info(
        "kuaishou push for %s (%s): early pull %s",
        connection.shop.slug,
        message.get("event", ""),
        "queued" if queued else "not needed",
    )
    return JsonResponse({"result": 1})
