"""Taobao's message service (TMC): the topic `taobao_trade_TradeRated` (a rating was given on
a trade) triggers an early pull of the shop it names. Beat's scheduled pull runs behind it
all the same, so a message lost, late or repeated costs nothing but minutes.

TMC delivers over a websocket to a client holding the app key and secret (Taobao's SDKs ship
one: TmcClient, which confirms each message once its handler returns). That client is the
relay: it writes each message, as TMC gives it, as one JSON line to
`python manage.py tmc_receive`, which hands it to `tmc_message_handle` here. The desk keeps
no websocket code of its own and opens no public endpoint for it.

A message (TmcMessage) is {id, topic, user_id, user_nick, pub_app_key, pub_time, content},
`content` a JSON string; for the trade topics it names the trade (tid, oid), the
seller_nick and buyer_nick, and for TradeRated who rated (rater: buyer or seller). TMC signs
nothing per message, so what can be checked is checked: the topic, the content is a JSON
object whose seller_nick (when given) is the message's user_nick, the rating is the buyer's,
and the nick is one TOP connection's seller nick. Anything else queues nothing."""

import json
from dataclasses import dataclass

from reviews.models import Platform

from .models import PlatformConnection
from .triggers import connection_pull_soon

TOPIC = "taobao_trade_TradeRated"
TOP_PLATFORMS = (Platform.TAOBAO, Platform.TMALL)

QUEUED = "queued"
ALREADY_QUEUED = "already-queued"
IGNORED = "ignored"
UNKNOWN_SHOP = "unknown-shop"
MALFORMED = "malformed"


@dataclass(frozen=True)
class Handled:
    outcome: str
    detail: str = ""


def tmc_message_handle(message) -> Handled:
    """One TMC message: an early pull of the shop it names (deduplicated), or why not."""
    if not isinstance(message, dict):
        return Handled(MALFORMED, "not a JSON object")
    if message.get("topic") != TOPIC:
        return Handled(IGNORED, f"topic {str(message.get('topic'))[:60]}")
    nick = str(message.get("user_nick") or "").strip()
    content = message.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return Handled(MALFORMED, "content is not JSON")
    if not isinstance(content, dict):
        return Handled(MALFORMED, "content is not a JSON object")
    if not nick:
        return Handled(MALFORMED, "no user_nick")
    seller = str(content.get("seller_nick") or "").strip()
    if seller and seller != nick:
        return Handled(MALFORMED, "content's seller_nick is not the message's user_nick")
    if str(content.get("rater") or "buyer") != "buyer":
        return Handled(IGNORED, "the seller's rating of a buyer")
    connections = list(
        PlatformConnection.objects.filter(seller_nick=nick, platform__in=TOP_PLATFORMS)
        .select_related("shop")
        .order_by("id")[:2]
    )
    if len(connections) != 1:
        why = "no TOP connection" if not connections else "several TOP connections"
        return Handled(UNKNOWN_SHOP, f"{why} has this seller nick")
    connection = connections[0]
    if connection_pull_soon(connection_id=connection.id):
        return Handled(QUEUED, connection.shop.slug)
    return Handled(ALREADY_QUEUED, connection.shop.slug)
