"""The writes of the `reviews` app: audit lines, the review's own state (status, optimistic
lock, classification and its corrections), and the buyer's phone reveal. Each change of a
review leaves its event on the timeline (reviews.timeline). Writes that plan or cancel
outreach alongside live in outreach.services, which calls these.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import classifier, timeline
from .audit import ACTIONS, current_client_ip
from .models import (
    CLASSIFICATION_FIELDS,
    SUBCAUSES_BY_CAUSE,
    AuditLog,
    Buyer,
    Cause,
    ClassifierModel,
    Correction,
    Heartbeat,
    Membership,
    PositiveReview,
    Rating,
    Review,
    Severity,
    Shop,
    Status,
    new_webhook_secret,
)
from .privacy import mask_phones


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def audit_record(
    *, actor, action: str, shop=None, target: str = "", ip: str | None = None, **data
) -> AuditLog:
    """Append one line to the audit log (who, what, when, from where). Without an explicit
    `ip`, the address of the request being served (reviews.audit.ClientIPMiddleware). Phone
    numbers are masked on the way in: the log is append-only, so it must never hold personal
    data that a buyer's erasure would have to remove. `action` is one of `audit.ACTIONS`, the
    list the audit page filters by."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to reviews.audit.ACTIONS")
    return AuditLog.objects.create(
        actor=actor,
        shop=shop,
        action=action,
        target=mask_phones(target)[:100],
        ip=ip or current_client_ip(),
        data=_masked(data),
    )


def _masked(value):
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def shop_rotate_webhook_secret(*, shop: Shop, actor) -> str:
    """A new webhook secret; the old one stops working at once. Audited."""
    secret = new_webhook_secret()
    with transaction.atomic():
        Shop.objects.filter(pk=shop.pk).update(webhook_secret=secret)
        audit_record(actor=actor, action="webhook_secret_rotated", shop=shop, target=shop.slug)
    shop.webhook_secret = secret
    return secret


def buyer_reveal_phone(*, review: Review, user, ip: str | None) -> str:
    """Personal data on demand: the full number, with the reveal logged and on the timeline."""
    buyer: Buyer | None = review.buyer
    if buyer is None or not buyer.phone:
        return ""
    audit_record(
        actor=user,
        action="phone_revealed",
        shop=review.shop,
        target=f"buyer:{buyer.pk}",
        ip=ip,
        review=review.pk,
    )
    timeline.phone_revealed(review, actor=user)
    return buyer.phone


def order_reveal_phone(*, order, user, ip: str | None) -> str:
    """The buyer's full number for an order's care call (no review yet, so no timeline line):
    the reveal is logged like the review page's."""
    buyer: Buyer | None = order.buyer
    if buyer is None or not buyer.phone:
        return ""
    audit_record(
        actor=user,
        action="phone_revealed",
        shop=order.shop,
        target=f"buyer:{buyer.pk}",
        ip=ip,
        order=order.pk,
    )
    return buyer.phone


class StaleReview(Exception):
    """The review changed since the user loaded it; nothing was written."""


def review_claim_version(*, review: Review, expected_version: int | None) -> None:
    """Take the review's optimistic lock for one action: the version the user saw must still
    be current. Of two agents acting at once, exactly one passes; the other gets StaleReview."""
    if expected_version is None:
        return
    changed = Review.objects.filter(pk=review.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if changed != 1:
        raise StaleReview


def review_set_status(*, review: Review, status: str, actor=None, now=None) -> bool:
    """Move the review to `status` (bumping its version) and say so on its timeline; False
    when it already was there. What the new status means for planned outreach is decided by
    the caller (outreach.services)."""
    if review.status == status:
        return False
    now = now or timezone.now()
    old = review.status
    Review.objects.filter(id=review.id).update(
        status=status, status_changed_at=now, version=F("version") + 1
    )
    review.status = status
    timeline.status_changed(review, old=old, new=status, actor=actor)
    return True


def review_record_rating_change(*, review: Review, rating: str, actor, now=None) -> bool:
    """The buyer changed the rating (an agent saw it on the platform): store the new rating
    and when it changed, and say so on the timeline. A positive rating is the revision the
    desk works for: the review becomes revised, and counts exactly as when an import shows it
    (status revised, its key among the day's positive reviews). False when nothing changed.
    What this means for planned outreach is decided by the caller (outreach.services)."""
    if rating == review.rating or rating not in Rating.values:
        return False
    now = now or timezone.now()
    old = review.rating
    Review.objects.filter(id=review.id).update(
        rating=rating, rating_changed_at=now, version=F("version") + 1
    )
    review.rating, review.rating_changed_at = rating, now
    timeline.revised(review, old=old, new=rating, actor=actor)
    if rating == Rating.POSITIVE:
        PositiveReview.objects.get_or_create(
            shop=review.shop,
            external_key=review.external_key,
            defaults={"day": review.reviewed_at.astimezone(review.shop.tz).date()},
        )
        review_set_status(review=review, status=Status.REVISED, actor=actor, now=now)
    return True


# A shop's model is retrained once it has at least this many corrections not yet in a model.
RETRAIN_MIN_CORRECTIONS = 5
# The corrected texts a shop model remembers verbatim (see classifier.MEMORY_SIMILARITY).
CORRECTION_MEMORY = 500


def review_classify(*, review: Review) -> "classifier.Classification":
    """Classify a review and store the result with its model version (and leave an event)."""
    result = classifier.classify(
        review.words,
        amount=review.amount,
        high_value_threshold=review.shop.high_value_threshold,
        shop_id=review.shop_id,
    )
    review.set_classification(
        result, now=timezone.now(), aliases=Membership.objects.aliases(review.shop_id)
    )
    review.save(update_fields=[*CLASSIFICATION_FIELDS, "updated_at"])
    timeline.classified(review, result=result)
    return result


def review_correct(*, review: Review, user, cause: str, subcause: str, severity: str) -> Correction:
    """An agent's one-click correction: kept with who and when, it feeds the next training.
    A changed severity may move the first call: outreach.services.classification_correct
    calls this and then re-plans; the desk goes through that one."""
    if cause not in Cause.values:
        raise ValidationError(_("Unknown cause %(cause)s."), params={"cause": cause})
    if subcause not in SUBCAUSES_BY_CAUSE[cause]:
        raise ValidationError(
            _("Sub-cause %(subcause)s does not belong to cause %(cause)s."),
            params={"subcause": subcause, "cause": cause},
        )
    if severity not in Severity.values:
        raise ValidationError(_("Unknown severity %(severity)s."), params={"severity": severity})
    previous = {
        "cause": review.cause,
        "subcause": review.subcause,
        "severity": review.severity,
        "confidence": review.confidence,
        "model_version": review.model_version,
    }
    text = review.words
    with transaction.atomic():
        correction = Correction.objects.create(
            review=review,
            shop=review.shop,
            user=user,
            text=text,
            cause=cause,
            subcause=subcause,
            severity=severity,
            previous=previous,
        )
        Review.objects.filter(pk=review.pk).update(
            cause=cause,
            subcause=subcause,
            severity=severity,
            confidence=1.0,
            needs_triage=False,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        timeline.corrected(
            review, actor=user, cause=cause, subcause=subcause, severity=severity, previous=previous
        )
        audit_record(
            actor=user,
            action="classification_corrected",
            shop=review.shop,
            target=f"review:{review.pk}",
            previous=previous,
            cause=cause,
            subcause=subcause,
            severity=severity,
        )
    review.refresh_from_db()
    return correction


def classifier_retrain(*, shop: Shop) -> ClassifierModel | None:
    """Train this shop's model on the shipped examples plus all its agents' corrections, once
    at least RETRAIN_MIN_CORRECTIONS of them are new; make it the shop's active model."""
    from .classifier import gate, learned, store
    from .classifier import tokens_of as tokens

    if Correction.objects.filter(shop=shop, trained_into="").count() < RETRAIN_MIN_CORRECTIONS:
        return None
    corrections = list(Correction.objects.filter(shop=shop).order_by("id"))
    new_ids = [c.pk for c in corrections if not c.trained_into]
    base = classifier.load_training()
    examples = base + [
        learned.Example(c.text, c.cause, c.subcause, c.severity) for c in corrections
    ]
    weights = [1.0] * len(base) + [learned.CORRECTION_WEIGHT] * len(corrections)
    version = f"shop{shop.pk}-{timezone.now():%Y%m%d%H%M%S%f}"[:40]
    model = learned.train(examples, version=version, tokenize=tokens, weights=weights)
    model.memory = [
        (learned.content_words(tokens(c.text)), (c.cause, c.subcause, c.severity))
        for c in corrections[-CORRECTION_MEMORY:]
    ]
    # Live only if not worse than the current recipe on held-out data (classifier/gate.py).
    new_set = set(new_ids)
    verdict = gate.compare(
        base,
        [e for e, c in zip(examples[len(base) :], corrections, strict=True) if c.pk not in new_set],
        [e for e, c in zip(examples[len(base) :], corrections, strict=True) if c.pk in new_set],
        tokenize=tokens,
        classify_with=lambda text, m: classifier.classify_tokens(tokens(text), m).cause,
    )
    metrics = {**verdict.metrics, "status": "live" if verdict.live else "candidate"}
    if not verdict.live:
        metrics["reason"] = verdict.reason
    with transaction.atomic():
        # One retrain per shop at a time: the second waits here, then replaces the first.
        Shop.objects.select_for_update().filter(pk=shop.pk).first()
        if verdict.live:
            ClassifierModel.objects.filter(shop=shop, is_active=True).update(is_active=False)
        stored = ClassifierModel.objects.create(
            shop=shop,
            version=version,
            artifact=model.to_bytes(),
            n_examples=len(examples),
            n_corrections=len(corrections),
            metrics=metrics,
            is_active=verdict.live,
        )
        # A candidate kept back has still seen them: the next retrain waits for new ones.
        Correction.objects.filter(pk__in=new_ids).update(trained_into=version)
    # This process sees the new model at once; the others within store.CACHE_SECONDS.
    store.forget(shop.pk)
    return stored


def classifier_activate(*, shop: Shop, version: str | None, actor) -> None:
    """The lead makes a kept-back candidate live, or rolls back to an earlier model of the
    shop (`version`), or to the base model (None)."""
    from .classifier import store

    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).first()
        if version is not None:
            target = ClassifierModel.objects.get(shop=shop, version=version)
        ClassifierModel.objects.filter(shop=shop, is_active=True).update(is_active=False)
        if version is not None:
            ClassifierModel.objects.filter(pk=target.pk).update(is_active=True)
        audit_record(
            actor=actor,
            action="classifier_activated",
            shop=shop,
            target=f"classifier:{version or 'base'}",
        )
    store.forget(shop.pk)


def classifier_retrain_due() -> list[str]:
    """Retrain every shop with enough new corrections (beat: retrain_classifiers_task)."""
    shop_ids = (
        Correction.objects.filter(trained_into="")
        .values("shop_id")
        .annotate(n=Count("id"))
        .filter(n__gte=RETRAIN_MIN_CORRECTIONS)
        .values_list("shop_id", flat=True)
    )
    versions = []
    for shop in Shop.objects.filter(pk__in=list(shop_ids)):
        stored = classifier_retrain(shop=shop)
        if stored is not None:
            versions.append(stored.version)
    return versions
