"""What `reviews` keeps of buyers erased on request: the pseudonym that replaces the nick, and
the tombstone — a keyed hash of the nick, never the nick — that every import looks up, so a
later import or a replayed webhook cannot bring the buyer back (reviews.ingest skips their
older rows; a buyer created for a newer one starts as do-not-contact).

The erasure itself (scrubbing every table that holds the buyer's details, outreach's
included, and stopping all contact) is outreach.erasure.buyer_erase, which may see both apps.

The hash is keyed with ERASURE_KEY (SECRET_KEY unless set); lookups also try SECRET_KEY and
SECRET_KEY_FALLBACKS, so rotating SECRET_KEY the Django way (the old key kept as a fallback)
does not forget an erasure — but dropping the old key does, unless ERASURE_KEY was set on its
own.
"""

import hashlib
import hmac
from datetime import datetime

from django.conf import settings

from .models import AuditLog, Buyer, ErasedBuyer


def pseudonym_for(buyer: Buyer) -> str:
    return f"erased-{buyer.pk}"


def is_erased(buyer: Buyer) -> bool:
    return buyer.nick == pseudonym_for(buyer)


def _keys() -> list[bytes]:
    """The key erasures are hashed with now, then the keys they may have been hashed with."""
    keys = [settings.ERASURE_KEY, settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return list(dict.fromkeys(key.encode() for key in keys if key))


def nick_digest(shop_id: int, nick: str, key: bytes | None = None) -> str:
    """A keyed hash of the nick: finds an earlier erasure by nick without keeping the nick."""
    key = key or _keys()[0]
    return hmac.new(key, f"{shop_id}:{nick}".encode(), hashlib.sha256).hexdigest()


def nick_digests(shop_id: int, nick: str) -> list[str]:
    """The nick's digest under every key an erasure may have used (see _keys)."""
    return [nick_digest(shop_id, nick, key) for key in _keys()]


def erased_before(shop_id: int, nick: str) -> AuditLog | None:
    return (
        AuditLog.objects.filter(
            shop_id=shop_id,
            action="buyer_erased",
            data__nick_digest__in=nick_digests(shop_id, nick),
        )
        .order_by("-created_at")
        .first()
    )


def erased_nicks(shop_id: int, nicks) -> dict[str, datetime]:
    """nick -> when it was erased, for those of `nicks` erased in this shop (one query)."""
    digests = {digest: nick for nick in nicks if nick for digest in nick_digests(shop_id, nick)}
    if not digests:
        return {}
    rows = ErasedBuyer.objects.filter(shop_id=shop_id, nick_digest__in=list(digests))
    erased: dict[str, datetime] = {}
    for digest, at in rows.values_list("nick_digest", "erased_at"):
        nick = digests[digest]  # under two keys, when erased again after a key change
        erased[nick] = max(at, erased.get(nick, at))
    return erased


def tombstones_from_audit(audit_model, tombstone_model) -> int:
    """The tombstones of erasures done before they existed, from the audit lines (their data
    holds the nick's digest; the line's time is the erasure's). Takes the models so migration
    0009 can pass its historical ones. A line of a repeated erasure hashes the pseudonym, not
    a nick: no tombstone for it. Returns how many tombstones were written."""
    latest: dict[tuple[int, str], datetime] = {}
    lines = audit_model.objects.filter(action="buyer_erased", shop__isnull=False).values_list(
        "shop_id", "target", "data", "created_at"
    )
    for shop_id, target, data, at in lines.iterator():
        digest = data.get("nick_digest") if isinstance(data, dict) else None
        if not isinstance(digest, str) or len(digest) != 64:
            continue
        buyer_id = target.removeprefix("buyer:")
        if digest in nick_digests(shop_id, f"erased-{buyer_id}"):
            continue
        if latest.get((shop_id, digest)) is None or at > latest[(shop_id, digest)]:
            latest[(shop_id, digest)] = at
    tombstone_model.objects.bulk_create(
        [tombstone_model(shop_id=s, nick_digest=d, erased_at=at) for (s, d), at in latest.items()],
        ignore_conflicts=True,
    )
    return len(latest)
