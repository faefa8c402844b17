"""Shops, the people in them, buyers and their reviews, and every review's timeline."""

import functools
import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this machine knows (available_timezones() walks the tz database on
    disk at every call; the importer asks once per row)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    EBAY = "ebay", _("eBay")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    AGENT = "agent", _("Support agent")
    LEAD = "lead", _("Team lead")
    MANAGER = "manager", _("Shop manager")


class ShopQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ShopQuerySet":
        """The shops `user` belongs to (optionally: with one of `roles`).

        Every scoped read in the project starts here, so a forgotten filter cannot leak
        another shop's data.
        """
        if not user.is_authenticated:
            return self.none()
        memberships = Membership.objects.filter(user=user)
        if roles:
            memberships = memberships.filter(role__in=roles)
        return self.filter(id__in=memberships.values("shop_id"))


class Shop(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    high_value_threshold = models.DecimalField(
        _("high-value order threshold"), max_digits=10, decimal_places=2, default=Decimal("500")
    )
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=new_webhook_secret
    )
    revision_link_template = models.CharField(
        _("revision link template"),
        max_length=300,
        blank=True,
        help_text=_("Link sent to buyers who agree to revise; {order_id} is filled in."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "MembershipQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def aliases(self, shop_id: int) -> tuple[str, ...]:
        """The names a shop's agents go by with buyers (for reviews.mentions)."""
        return tuple(self.filter(shop_id=shop_id).exclude(alias="").values_list("alias", flat=True))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    on_duty = models.BooleanField(_("on duty"), default=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=40)
    shift_start = models.TimeField(_("shift start"), null=True, blank=True)
    shift_end = models.TimeField(_("shift end"), null=True, blank=True)
    # The name buyers see in the chat (小美): reviews naming it count against this agent.
    alias = models.CharField(_("name buyers see"), max_length=40, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="membership_one_role_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"


class Buyer(models.Model):
    """A buyer as one shop knows them (nick is unique per shop on the platforms)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="buyers")
    nick = models.CharField(_("buyer nick"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_timezone]
    )
    do_not_contact_at = models.DateTimeField(_("do not contact since"), null=True, blank=True)
    do_not_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [models.UniqueConstraint(fields=["shop", "nick"], name="buyer_nick_per_shop")]

    def __str__(self) -> str:
        return self.nick

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone or self.shop.timezone)


class ErasedBuyer(models.Model):
    """A buyer erased on request (reviews.erasure), by a keyed hash of their nick, never the
    nick itself: an import meeting the nick again skips what predates the erasure and starts
    the buyer it creates for newer reviews as do-not-contact."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    nick_digest = models.CharField(max_length=64)  # reviews.erasure.nick_digest
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the import's lookup, once per chunk: a shop's digests among the chunk's nicks.
            models.UniqueConstraint(fields=["shop", "nick_digest"], name="erasedbuyer_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.nick_digest[:12]}… {self.erased_at:%Y-%m-%d}"


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to dial it."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 3) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class Rating(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Status(models.TextChoices):
    NEW = "new", _("New")
    CONTACTING = "contacting", _("Contacting")
    AGREED = "agreed", _("Agreed to revise")
    REVISED = "revised", _("Revised")
    DECLINED = "declined", _("Declined")
    UNREACHABLE = "unreachable", _("Unreachable")
    REPLIED = "replied", _("Replied publicly")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [Status.NEW, Status.CONTACTING, Status.AGREED, Status.DECLINED, Status.UNREACHABLE]


class CloseReason(models.TextChoices):
    """Why an open review was closed with nothing more to do (kept on its timeline)."""

    SOLVED = "solved", _("Problem solved; the review stays as it is")
    NO_REPLY = (
        "no_reply",
        _("No public reply possible any more (deadline passed, follow-up review)"),
    )
    UNREACHABLE = "unreachable", _("Buyer unreachable after repeated attempts")
    MALICIOUS = "malicious", _("Malicious review, handed to the platform")
    NOTHING_TO_DO = (
        "nothing_to_do",
        _("Nothing to do (duplicate, test, or the buyer's own mistake)"),
    )
    OTHER = "other", _("Other (say why in the note)")


class Cause(models.TextChoices):
    LOGISTICS = "logistics", _("Logistics")
    PRODUCT_SERVICE = "product_service", _("Product / service")
    BUYER_SIDE = "buyer_side", _("Buyer side")
    UNCLEAR = "unclear", _("Unclear")


class SubCause(models.TextChoices):
    COURIER_SPEED = "courier_speed", _("Courier speed")
    COURIER_ATTITUDE = "courier_attitude", _("Courier attitude")
    LOST_OR_MISDELIVERED = "lost_or_misdelivered", _("Lost or misdelivered")
    LOGISTICS_OTHER = "logistics_other", _("Other logistics")
    QUALITY = "quality", _("Quality")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item", _("Wrong or missing item")
    SHIPPING_DELAY = "shipping_delay", _("Shipping delay")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    PRICE = "price", _("Price")
    PRODUCT_SERVICE_OTHER = "product_service_other", _("Other product / service")
    DISLIKE_OR_EXPECTATION = "dislike_or_expectation", _("Dislike / expectation")
    ORDERED_WRONG = "ordered_wrong", _("Ordered wrong")
    MISOPERATION = "misoperation", _("Misoperation")
    PRICE_REGRET = "price_regret", _("Price regret")
    MALICIOUS = "malicious", _("Malicious")
    BUYER_SIDE_OTHER = "buyer_side_other", _("Other buyer side")
    UNCLEAR = "unclear", _("Unclear")


# The taxonomy of DESIGN.md: each sub-cause belongs to exactly one cause.
SUBCAUSES_BY_CAUSE: dict[str, tuple[str, ...]] = {
    Cause.LOGISTICS: (
        "courier_speed",
        "courier_attitude",
        "lost_or_misdelivered",
        "logistics_other",
    ),
    Cause.PRODUCT_SERVICE: (
        "quality",
        "damaged",
        "not_as_described",
        "wrong_or_missing_item",
        "shipping_delay",
        "customer_service",
        "price",
        "product_service_other",
    ),
    Cause.BUYER_SIDE: (
        "dislike_or_expectation",
        "ordered_wrong",
        "misoperation",
        "price_regret",
        "malicious",
        "buyer_side_other",
    ),
    Cause.UNCLEAR: ("unclear",),
}


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")


class KeyKind(models.TextChoices):
    """What the idempotency key of a review was derived from."""

    REVIEW_ID = "review_id", _("platform review id")
    ORDER_LINE = "order_line", _("order id + product line")
    ORDER_BUYER_TIME = "order_buyer_time", _("order id + buyer + review time")


class Source(models.TextChoices):
    IMPORT = "import", _("File import")
    WEBHOOK = "webhook", _("Webhook")
    DEMO = "demo", _("Demo data")


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ReviewQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))

    def open(self) -> "ReviewQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Review(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="reviews")
    buyer = models.ForeignKey(
        Buyer, on_delete=models.PROTECT, related_name="reviews", null=True, blank=True
    )
    external_key = models.CharField(_("idempotency key"), max_length=255)
    key_kind = models.CharField(max_length=20, choices=KeyKind.choices, default=KeyKind.REVIEW_ID)
    platform_review_id = models.CharField(_("platform review id"), max_length=100, blank=True)
    order_id = models.CharField(_("order id"), max_length=100, blank=True)
    product_name = models.CharField(_("product"), max_length=255, blank=True)
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    amount = models.DecimalField(
        _("paid amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    text = models.TextField(_("review text"), blank=True)
    followup_text = models.TextField(_("follow-up review (追评)"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"))
    followup_at = models.DateTimeField(_("follow-up review at"), null=True, blank=True)
    courier = models.CharField(_("courier"), max_length=50, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dsr = models.JSONField(_("DSR scores"), default=dict, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.IMPORT)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reviews",
        verbose_name=_("assigned to"),
    )

    # Classification (see reviews/classifier): the latest result, with its model version.
    cause = models.CharField(
        _("cause"), max_length=16, choices=Cause.choices, default=Cause.UNCLEAR
    )
    subcause = models.CharField(
        _("sub-cause"), max_length=24, choices=SubCause.choices, default=SubCause.UNCLEAR
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.MINOR
    )
    confidence = models.FloatField(_("confidence"), default=0.0)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    needs_triage = models.BooleanField(_("needs triage"), default=False)
    classified_at = models.DateTimeField(null=True, blank=True)
    # Who the words name (reviews.mentions): an agent by alias or nickname, a courier.
    named_agent = models.CharField(_("agent named"), max_length=40, blank=True)
    named_courier = models.CharField(_("courier named"), max_length=40, blank=True)
    # The earliest contact attempt, kept by a database trigger on the attempts (migration
    # 0006): the reports' speed figures read it instead of joining every attempt.
    first_contacted_at = models.DateTimeField(null=True, blank=True)

    # The hand-off outbox (issue 3): set in the transaction that stores a new or changed
    # neutral/negative review, cleared by the hand-off task once the planner has it. A row
    # still set a minute later was missed (broker down) and is re-enqueued by the sweep.
    handoff_pending_at = models.DateTimeField(null=True, blank=True)

    # Optimistic concurrency: every state-changing service bumps it with a conditional
    # update, so two agents acting at once cannot both win.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            # Ingestion's idempotency: one row per review of a shop, however often imported.
            models.UniqueConstraint(fields=["shop", "external_key"], name="review_key_per_shop"),
        ]
        indexes = [
            # The agent's queue and its lane counts: my items by status, in my shops. The shop
            # is a key column so the counts are index-only scans.
            models.Index(fields=["assigned_to", "status", "shop"], name="review_assignee_status"),
            # The lead's board and lane counts: open items per shop and status.
            models.Index(fields=["shop", "status"], name="review_shop_status"),
            # Reports by period.
            models.Index(fields=["shop", "reviewed_at"], name="review_shop_reviewed"),
            # The hand-off sweep: pending rows only (a handful), oldest first.
            models.Index(
                fields=["handoff_pending_at"],
                condition=models.Q(handoff_pending_at__isnull=False),
                name="review_handoff_pending",
            ),
            # The queue's "needs triage" lane and its count.
            models.Index(
                fields=["shop"],
                condition=models.Q(needs_triage=True, status__in=OPEN_STATUSES),
                name="review_triage_open",
            ),
            # The queue's "unassigned" lane and its count, and the lead's board.
            models.Index(
                fields=["shop", "reviewed_at"],
                condition=models.Q(assigned_to__isnull=True, status__in=OPEN_STATUSES),
                name="review_unassigned_open",
            ),
            # The repeat-complainant badge: a buyer's earlier reviews.
            models.Index(fields=["buyer", "reviewed_at"], name="review_buyer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug}:{self.external_key}"

    @property
    def words(self) -> str:
        """What the buyer wrote, with the 追评: what classification and mentions read."""
        return f"{self.text}\n{self.followup_text}" if self.followup_text else self.text

    def set_classification(self, result, *, now, aliases=()) -> None:
        """Store a classifier result and who the words name (the CLASSIFICATION_FIELDS)."""
        from . import mentions

        self.cause = result.cause
        self.subcause = result.subcause
        self.severity = result.severity
        self.confidence = result.confidence
        self.flags = list(result.flags)
        self.evidence = list(result.evidence)
        self.model_version = result.model_version
        self.needs_triage = result.needs_triage
        self.classified_at = now
        words = self.words
        self.named_agent = mentions.named_agent(words, aliases)
        self.named_courier = mentions.named_courier(words)


# The fields a classification writes on a review (services.review_classify and the importer's
# bulk writes both update exactly these).
CLASSIFICATION_FIELDS = [
    "cause",
    "subcause",
    "severity",
    "confidence",
    "flags",
    "evidence",
    "model_version",
    "needs_triage",
    "classified_at",
    "named_agent",
    "named_courier",
]


class EventKind(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    UPDATED = "updated", _("Updated by a later import")
    CLASSIFIED = "classified", _("Classified")
    CORRECTED = "corrected", _("Classification corrected")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    CONTACT = "contact", _("Contact attempt")
    MESSAGE = "message", _("Message")
    FOLLOWUP = "followup", _("Follow-up")
    ESCALATED = "escalated", _("Escalated")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Note")


class ReviewEvent(models.Model):
    """One step in a review's life: what happened, who did it, when."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The review page's timeline.
            models.Index(fields=["review", "created_at"], name="event_review_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Correction(models.Model):
    """An agent's correction of a classification: kept with who and when, feeds training."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="corrections")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="corrections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    cause = models.CharField(max_length=16, choices=Cause.choices)
    subcause = models.CharField(max_length=24, choices=SubCause.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    previous = models.JSONField(default=dict, blank=True)
    trained_into = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Retraining: the corrections of a shop not yet in a model.
            models.Index(fields=["shop", "trained_into"], name="correction_shop_trained"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.cause}/{self.subcause}"


class ClassifierModel(models.Model):
    """A trained model, stored in the database so every worker and web process loads it."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="classifier_models"
    )
    version = models.CharField(max_length=40, unique=True)
    artifact = models.BinaryField()
    n_examples = models.PositiveIntegerField(default=0)
    n_corrections = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop"],
                condition=models.Q(is_active=True),
                name="one_active_model_per_shop",
            )
        ]

    def __str__(self) -> str:
        return self.version


class AppendOnlyError(Exception):
    """The audit log is written once and never changed or deleted."""


class AuditLogQuerySet(models.QuerySet):
    def for_manager(self, user) -> "AuditLogQuerySet":
        """The lines of the shops `user` manages (a shop's audit trail is its managers')."""
        return self.filter(shop__in=Shop.objects.for_user(user, Role.MANAGER))

    # Append-only through the ORM too. Django's own cascades (a deleted user or shop leaves
    # its lines with a NULL actor/shop) go through the base manager, not through these.
    def update(self, **kwargs):
        raise AppendOnlyError("audit log lines cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit log lines cannot be deleted")


class AuditLog(models.Model):
    """Append-only record of sensitive actions: who, what, when, from where."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "created_at"], name="audit_shop_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit log lines cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit log lines cannot be deleted")


class Heartbeat(models.Model):
    """Last time a background process proved it was alive (a worker ran beat's heartbeat)."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ImportSource(models.TextChoices):
    FILE = "file", _("Uploaded file")
    WEBHOOK = "webhook", _("Webhook")
    COMMAND = "command", _("Command line")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    # "Failed" alone is also a message's state (「发送失败」): the context keeps them apart.
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ImportBatchQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))


class ImportBatch(models.Model):
    """One import (a file or a webhook call) with its counts: nothing imported goes unaccounted."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=ImportSource.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # Relative to MEDIA_ROOT (uploads) or an absolute path (command line).
    path = models.CharField(max_length=500, blank=True)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    key_kind = models.CharField(_("key used"), max_length=20, choices=KeyKind.choices, blank=True)
    total_rows = models.PositiveIntegerField(_("rows (estimated)"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    positive = models.PositiveIntegerField(_("positive counted"), default=0)
    revised = models.PositiveIntegerField(_("revised"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # Rows of buyers erased on request, dated before the erasure: not stored, reported
    # like rejected rows (without their data), so created + … + rejected + skipped = rows.
    skipped = models.PositiveIntegerField(_("skipped (erased buyers)"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [
            # The import page: a shop's latest batches.
            models.Index(fields=["shop", "-created_at"], name="importbatch_shop_recent"),
            # The sweep: uploads whose task never arrived.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="importbatch_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug} #{self.pk} {self.filename or self.source}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.RUNNING)

    @property
    def reported(self) -> int:
        """Rows listed in the error report: rejected ones and skipped ones."""
        return self.rejected + self.skipped


class ImportRowError(models.Model):
    """A rejected row (or webhook item): where, which column, why, and what it looked like.
    Also a row skipped because its buyer was erased: where and why only, `raw` left empty."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("row"))  # spreadsheet row (header = 1) or item index
    column = models.CharField(_("column"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    raw = models.CharField(_("raw data"), max_length=500, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [
            # The batch page's error list and the error report, in row order.
            models.Index(fields=["batch", "row"], name="importerror_batch_row"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class PositiveReviewQuerySet(models.QuerySet):
    def per_day(self):
        """{day, n} rows: the positive side of the good-review rate."""
        return self.values("day").annotate(n=models.Count("id")).order_by("day")


class PositiveReview(models.Model):
    """The key of each positive review seen, so counting per shop and day stays exact however
    often a file is re-imported (positive reviews never enter the queue)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="positive_reviews")
    external_key = models.CharField(max_length=255)
    day = models.DateField()  # the review's day in the shop's time zone
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PositiveReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_key"], name="positive_key_per_shop")
        ]
        indexes = [
            # Good-review rate: positives per shop and day.
            models.Index(fields=["shop", "day"], name="positive_shop_day"),
        ]

    def __str__(self) -> str:
        return f"{self.external_key} ({self.day})"


# --- Report roll-ups (issue 7) -------------------------------------------------------------
# The reports page reads these small tables, never the reviews themselves: a shop with a
# million reviews has a few hundred roll-up rows a day. reviews.rollups recomputes a day whole
# (never by deltas) whenever anything behind it changed; "changed" is written by database
# triggers (migration 0006), so no code path — bulk updates and COPY included — can forget it.


class ReportDirty(models.Model):
    """A (shop, UTC day) whose roll-ups are stale. Written by triggers on reviews, contact
    attempts, first-call plans and positive reviews; consumed by reviews.rollups.refresh.
    No unique key on purpose: concurrent writers never wait for each other here."""

    id = models.BigAutoField(primary_key=True)
    shop_id = models.IntegerField()
    day = models.DateField()

    def __str__(self) -> str:
        return f"shop {self.shop_id} {self.day}"


class ReportDay(models.Model):
    """One shop-local day of reviews (by `reviewed_at`), per assignee, cause, sub-cause and
    severity: counts by current status, the funnel and first-contact speed. The counting
    rules are those of reviews.reports."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # No foreign key constraint: a deleted user's reviews are re-rolled up when their
    # assignee is cleared, and no delete has to wait for this table.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    cause = models.CharField(max_length=30)
    subcause = models.CharField(max_length=30)
    severity = models.CharField(max_length=10)
    handled = models.PositiveIntegerField(default=0)
    revised = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    unresolved = models.PositiveIntegerField(default=0)
    within_window = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)
    agreed_revised = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    first_planned = models.PositiveIntegerField(default=0)
    first_in_window = models.PositiveIntegerField(default=0)
    attempts_closed = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["shop", "day"], name="reportday_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} {self.subcause}: {self.handled}"


class ReportWait(models.Model):
    """Hours from review to first contact as a histogram of 6-minute buckets per shop-local
    day: medians and percentiles to the 0.1 h the page shows, from a few hundred rows."""

    BUCKET_SECONDS = 360

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    bucket = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["shop", "day"], name="reportwait_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} bucket {self.bucket}: {self.n}"


class RootDimension(models.TextChoices):
    PRODUCT = "product", _("Product")
    COURIER = "courier", _("Courier")
    NAMED_AGENT = "named_agent", _("Agent named")
    NAMED_COURIER = "named_courier", _("Courier named")
    SUBCAUSE = "subcause", _("Sub-cause")


class ReportRoot(models.Model):
    """Neutral/negative reviews per shop-local day, product / courier / named agent / named
    courier, and sub-cause: the spike detector reads these; the root-cause tables read the
    key's total over its sub-causes, a row of its own with sub-cause ALL."""

    ALL = "*"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=15, choices=RootDimension.choices)
    key = models.CharField(max_length=255)
    subcause = models.CharField(max_length=30)
    n = models.PositiveIntegerField()
    serious = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["shop", "dimension", "day"], name="reportroot_shop_dim_day"),
            # The report's top tables: the totals rows only.
            models.Index(
                fields=["shop", "day"], condition=models.Q(subcause="*"), name="reportroot_totals"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} {self.dimension} {self.key}: {self.n}"


class ReportShopDay(models.Model):
    """Per shop-local day: positive reviews (from the keys ingestion keeps) and the DSR
    scores carried by the day's reviews (sums and counts, so averages add up over periods)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    positive = models.PositiveIntegerField(default=0)
    dsr_description_sum = models.FloatField(default=0)
    dsr_description_n = models.PositiveIntegerField(default=0)
    dsr_service_sum = models.FloatField(default=0)
    dsr_service_n = models.PositiveIntegerField(default=0)
    dsr_logistics_sum = models.FloatField(default=0)
    dsr_logistics_n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="reportshopday_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}: {self.positive} positive"


class SpikeState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ENDED = "ended", _("Ended")


ACTIVE_SPIKES = [SpikeState.OPEN, SpikeState.ACKNOWLEDGED]


class SpikeAlert(models.Model):
    """The same sub-cause hitting the same product or courier unusually often within 7 days
    (reviews.spikes): a defect batch or a failing courier, a job for the shop."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="spikes")
    dimension = models.CharField(max_length=15, choices=RootDimension.choices)
    key = models.CharField(max_length=255)
    subcause = models.CharField(max_length=30)
    window_start = models.DateField()
    window_end = models.DateField()
    count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text="usual count in 7 days (the 4 weeks before)")
    state = models.CharField(max_length=15, choices=SpikeState.choices, default=SpikeState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "dimension", "key", "subcause"],
                condition=models.Q(state__in=ACTIVE_SPIKES),
                name="spike_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug}: {self.dimension} {self.key} {self.subcause} ×{self.count}"
