"""Erasing a buyer's personal data on request, keeping the anonymised statistics.

What goes: the buyer's nick (→ a pseudonym) and phone; phone numbers, postal addresses and
the nick wherever the buyer's reviews and everything about them hold free text — the review
and its 追评, the corrections' copy of it, classification evidence, timeline entries, planned
contacts' scripts, messages (their recipient too), contact attempt notes, public replies —
the tracking number, the nick inside order + buyer + time review keys (positive reviews'
too), and the buyer's rows in import error reports. The review text itself is
public on the platform, so it stays, minus those details: the words still explain the cause.

What the shop learned from their text goes too: the agents' corrections of their reviews are
deleted (the review keeps its corrected labels, the timeline and audit log say who corrected
it), and so is every classifier model of the shop trained with them; the shop's other
corrections are marked untrained, so beat's retraining builds a model without them. Uploaded
export files that may hold their rows are deleted: every file of the shop's finished imports
(a finished import removes its own, so these are leftovers) and any upload no import is
waiting for. A file an import is still waiting for or running on goes when that import
finishes; it skips their rows (the tombstone below). A command-line file is the operator's.

What stays: every review with its rating, dates, status, cause, severity, order, product,
amount and courier, every contact attempt with its outcome and time — so every report figure
is the same afterwards. The buyer is marked do-not-contact (there is no number left to call);
pending outreach is cancelled. The audit log never held their number (audit_record masks it)
and records the erasure by buyer id and a keyed hash of the nick, never the nick itself.

A later import cannot bring them back. The erasure leaves a tombstone (ErasedBuyer: the shop,
the keyed hash of the nick, the time), and every import — file, command line or webhook —
looks the chunk's nicks up in it (reviews.ingest):
- a row of that nick dated at or before the erasure, or any row for a review of an erased
  buyer, is not stored: it is counted as skipped and listed in the batch's error report with
  why (the date of the erasure), its row number and nothing else of the row; the webhook
  answers "skipped" with reason "erased" for it;
- a row of that nick dated after the erasure is a new review: stored, but the buyer record it
  creates starts as do-not-contact (the request stands), so nothing is planned; the review's
  timeline says why.
Rows without a nick that are not yet stored cannot be told apart and are imported as any
other. The tombstones and their keyed hash live in reviews.erasure.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import privacy
from reviews.classifier import store
from reviews.erasure import is_erased, nick_digest, pseudonym_for
from reviews.ingest.batches import UPLOADS_DIR
from reviews.models import (
    Buyer,
    ClassifierModel,
    Correction,
    ErasedBuyer,
    ImportBatch,
    ImportRowError,
    ImportStatus,
    KeyKind,
    PositiveReview,
    Review,
    ReviewEvent,
)
from reviews.services import audit_record

from .models import CareCall, ContactAttempt, InboundSms, Message, PlannedContact, Reply
from .services import buyer_set_do_not_contact

# What an erasure changed, by the keys its audit line records.
LABELS = {
    "reviews": _("reviews"),
    "tracking numbers": _("tracking numbers"),
    "review keys": _("review keys"),
    "corrections": _("corrections"),
    "classifier models": _("classifier models"),
    "uploaded files": _("uploaded files"),
    "timeline entries": _("timeline entries"),
    "planned contacts": _("planned contacts"),
    "messages": _("messages"),
    "contact notes": _("contact notes"),
    "replies": _("public replies"),
    "import error rows": _("import error rows"),
    "outreach stopped": _("outreach stopped"),
    "buyer": _("buyer record"),
}


# Sent inside the erasure's transaction, so apps above outreach (calls) erase what they keep of
# the buyer: receivers get buyer=, review_ids= and changed= (the counts to add theirs to).
buyer_erasing = Signal()


@dataclass
class Erasure:
    buyer_id: int
    pseudonym: str
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


class _Scrubber:
    """Removes this buyer's details from free text (and from the strings in JSON)."""

    def __init__(self, buyer: Buyer, pseudonym: str):
        self.pseudonym = pseudonym
        # A one-character nick would erase that character everywhere: only longer ones.
        self.nick = buyer.nick if len(buyer.nick) >= 2 and buyer.nick != pseudonym else ""
        self.phone = buyer.phone.strip() if len(buyer.phone.strip()) >= 5 else ""

    def text(self, value: str) -> str:
        if not value:
            return value
        if self.nick:
            value = value.replace(self.nick, self.pseudonym)
        if self.phone:
            value = value.replace(self.phone, privacy.PHONE_ERASED)
        return privacy.mask_addresses(privacy.erase_phones(value))

    def json(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value


def _scrub_rows(queryset, fields: list[str], scrub: _Scrubber, json_fields=()) -> int:
    """Rewrite the given fields of each row where scrubbing changes them; count the rows.
    Targeted updates (no save()): nothing else about the row changes, not even updated_at."""
    changed = 0
    for row in queryset.only("pk", *fields, *json_fields):
        values = {f: scrub.text(getattr(row, f)) for f in fields}
        values |= {f: scrub.json(getattr(row, f)) for f in json_fields}
        values = {f: v for f, v in values.items() if v != getattr(row, f)}
        if values:
            queryset.model.objects.filter(pk=row.pk).update(**values)
            changed += 1
    return changed


def _forget_learned(shop_id: int, review_ids: list[int]) -> int:
    """Delete the shop's classifier models trained with corrections of these reviews (each
    model is trained on all corrections so far: the first such model and every later one);
    the corrections they held are marked untrained so the next retraining rebuilds without
    them. Returns how many models were deleted."""
    trained_into = set(
        Correction.objects.filter(review_id__in=review_ids)
        .exclude(trained_into="")
        .values_list("trained_into", flat=True)
    )
    first = (
        ClassifierModel.objects.filter(shop_id=shop_id, version__in=trained_into)
        .order_by("created_at")
        .first()
    )
    if first is None:
        return 0
    models = ClassifierModel.objects.filter(shop_id=shop_id, created_at__gte=first.created_at)
    versions = list(models.values_list("version", flat=True))
    Correction.objects.filter(shop_id=shop_id, trained_into__in=versions).update(trained_into="")
    deleted = models.delete()[0]
    # Every process drops the deleted model within store.CACHE_SECONDS; this one at once.
    transaction.on_commit(lambda: store.forget(shop_id))
    return deleted


# An upload younger than this may be on its way to its batch (stored, batch not yet created).
UPLOAD_IN_FLIGHT = timedelta(hours=1)


def _leftover_uploads(shop) -> list[Path]:
    """The shop's uploaded files no import is waiting for or running on."""
    root = Path(settings.MEDIA_ROOT)
    folder = root / UPLOADS_DIR / shop.slug
    if not folder.is_dir():
        return []
    batches = ImportBatch.objects.filter(shop=shop).exclude(path="")
    waiting = [ImportStatus.PENDING, ImportStatus.RUNNING]
    in_use = set(batches.filter(status__in=waiting).values_list("path", flat=True))
    finished = set(batches.exclude(status__in=waiting).values_list("path", flat=True))
    recent = (timezone.now() - UPLOAD_IN_FLIGHT).timestamp()
    leftovers = []
    for path in folder.iterdir():
        relative = str(path.relative_to(root))
        try:
            if not path.is_file() or relative in in_use:
                continue
            if relative not in finished and path.stat().st_mtime > recent:
                continue
        except OSError:
            continue
        leftovers.append(path)
    return leftovers


def buyer_erase(*, buyer: Buyer, dry_run: bool = False, reason: str = "") -> Erasure:
    """Erase `buyer`'s personal data (see the module docstring). Idempotent: a second run
    finds nothing left and writes nothing. With `dry_run`, everything is done and counted
    inside a transaction that is then rolled back."""
    pseudonym = pseudonym_for(buyer)
    erasure = Erasure(buyer_id=buyer.pk, pseudonym=pseudonym)
    with transaction.atomic():
        buyer = Buyer.objects.select_for_update().get(pk=buyer.pk)
        original_nick = buyer.nick
        scrub = _Scrubber(buyer, pseudonym)
        reviews = Review.objects.filter(buyer=buyer)
        review_ids = list(reviews.values_list("pk", flat=True))
        counts = erasure.changed
        counts["reviews"] = _scrub_rows(reviews, ["text", "followup_text"], scrub, ["evidence"])
        counts["tracking numbers"] = reviews.exclude(tracking_no="").update(tracking_no="")
        if scrub.nick:
            keys = 0
            for review in reviews.filter(key_kind=KeyKind.ORDER_BUYER_TIME).only("external_key"):
                new_key = review.external_key.replace(f":{scrub.nick}:", f":{pseudonym}:")
                if new_key != review.external_key:
                    Review.objects.filter(pk=review.pk).update(external_key=new_key)
                    keys += 1
            # Positive reviews are counted by key alone, with no buyer: theirs are found by
            # the nick inside an order + buyer + time key.
            positives = PositiveReview.objects.filter(
                shop_id=buyer.shop_id,
                external_key__startswith="obt:",
                external_key__contains=f":{scrub.nick}:",
            )
            for pk, key in positives.values_list("pk", "external_key"):
                new_key = key.replace(f":{scrub.nick}:", f":{pseudonym}:")
                PositiveReview.objects.filter(pk=pk).update(external_key=new_key)
                keys += 1
            counts["review keys"] = keys
        counts["classifier models"] = _forget_learned(buyer.shop_id, review_ids)
        counts["corrections"] = Correction.objects.filter(review_id__in=review_ids).delete()[0]
        uploads = _leftover_uploads(buyer.shop)
        counts["uploaded files"] = len(uploads)
        if not dry_run:
            transaction.on_commit(lambda: [path.unlink(missing_ok=True) for path in uploads])
        counts["timeline entries"] = _scrub_rows(
            ReviewEvent.objects.filter(review_id__in=review_ids), ["message"], scrub, ["data"]
        )
        counts["planned contacts"] = _scrub_rows(
            PlannedContact.objects.filter(buyer=buyer), ["body"], scrub, ["data"]
        )
        counts["messages"] = _scrub_rows(
            Message.objects.filter(buyer=buyer), ["body", "last_error"], scrub
        ) + Message.objects.filter(buyer=buyer).exclude(to="").update(to="")
        # The buyer's SMS answers are theirs alone: gone, not scrubbed.
        counts["sms answers"] = InboundSms.objects.filter(buyer=buyer).delete()[0]
        buyer_erasing.send(sender=Erasure, buyer=buyer, review_ids=review_ids, changed=counts)
        counts["care call notes"] = _scrub_rows(
            CareCall.objects.filter(order__buyer=buyer), ["note"], scrub
        )
        counts["contact notes"] = _scrub_rows(
            ContactAttempt.objects.filter(buyer=buyer), ["note"], scrub
        )
        counts["replies"] = _scrub_rows(
            Reply.objects.filter(review_id__in=review_ids), ["text", "rejection_note"], scrub
        )
        needles = [n for n in (scrub.nick, scrub.phone) if n]
        if needles:
            errors = ImportRowError.objects.filter(batch__shop_id=buyer.shop_id)
            hits = ImportRowError.objects.none()
            for needle in needles:
                hits = hits | errors.filter(raw__contains=needle)
            counts["import error rows"] = _scrub_rows(hits, ["raw"], scrub)
        if buyer.do_not_contact_at is None:
            buyer_set_do_not_contact(buyer=buyer, user=None)
            counts["outreach stopped"] = 1
        if original_nick != pseudonym:
            # The tombstone later imports look up (see the module docstring). A buyer erased
            # again (a newer review brought the nick back) moves the time on.
            ErasedBuyer.objects.update_or_create(
                shop_id=buyer.shop_id,
                nick_digest=nick_digest(buyer.shop_id, original_nick),
                defaults={"erased_at": timezone.now()},
            )
        if not is_erased(buyer) or buyer.phone or buyer.timezone:
            Buyer.objects.filter(pk=buyer.pk).update(nick=pseudonym, phone="", timezone="")
            counts["buyer"] = 1
        counts = {k: v for k, v in counts.items() if v}
        erasure.changed = counts
        if counts:
            audit_record(
                actor=None,
                action="buyer_erased",
                shop=buyer.shop,
                target=f"buyer:{buyer.pk}",
                nick_digest=nick_digest(buyer.shop_id, original_nick),
                changed=counts,
                reason=reason,
            )
        if dry_run:
            transaction.set_rollback(True)
    return erasure
