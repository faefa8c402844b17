"""Reviews: what the buyer wrote, where the work on it stands, and how it was classified."""

from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .. import mentions
from ..taxonomy import Cause, Severity, SubCause
from .buyers import Buyer
from .shops import Shop


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
# Nothing more to do: revised, answered publicly, or closed (the queue's Finished lane, and what
# the reports count as finished).
FINISHED_STATUSES = [Status.REVISED, Status.REPLIED, Status.CLOSED]


# The agent's queue order (outreach.queue): the next due minute of the review's open agent
# tasks (NOTHING_DUE when none), serious before minor, the larger order first (no amount
# after every amount), the older review, the id. The first is kept in `queue_due` by database
# triggers (outreach migration 0017) whatever writes the planned contacts; the other two are
# expressions the queue's indexes store, so a page is an index range scan.
NOTHING_DUE = datetime(9999, 12, 31, tzinfo=UTC)
QUEUE_SEVERITY_RANK = models.Case(
    models.When(severity="serious", then=models.Value(0)),
    default=models.Value(1),
    output_field=models.IntegerField(),
)
QUEUE_AMOUNT = Coalesce(
    "amount",
    models.Value(Decimal("-1")),
    output_field=models.DecimalField(max_digits=12, decimal_places=2),
)


def _queue_index(name: str, lead: str, condition: models.Q) -> models.Index:
    return models.Index(
        models.F(lead),
        models.F("queue_due"),
        QUEUE_SEVERITY_RANK,
        QUEUE_AMOUNT.desc(),
        models.F("reviewed_at"),
        models.F("id"),
        name=name,
        condition=condition,
    )


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


class KeyKind(models.TextChoices):
    """What the idempotency key of a review was derived from."""

    REVIEW_ID = "review_id", _("platform review id")
    ORDER_LINE = "order_line", _("order id + product line")
    ORDER_BUYER_TIME = "order_buyer_time", _("order id + buyer + review time")


class Source(models.TextChoices):
    IMPORT = "import", _("File import")
    WEBHOOK = "webhook", _("Webhook")
    CONNECTOR = "connector", _("Platform connector")
    DEMO = "demo", _("Demo data")


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ReviewQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))

    def open(self) -> "ReviewQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Review(models.Model):
    # No single-column indexes on the foreign keys: review_key_per_shop leads with the shop,
    # review_buyer_time with the buyer, review_assignee_status with the assignee, and each
    # index costs every imported review its insert (issue 21).
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="reviews", db_index=False)
    buyer = models.ForeignKey(
        Buyer,
        on_delete=models.PROTECT,
        related_name="reviews",
        null=True,
        blank=True,
        db_index=False,
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
        db_index=False,  # review_assignee_status leads with it
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
    # The other party the buyer also blames (物流太慢…屏幕也差): shown and counted, while the
    # main cause drives the playbook. Blank when only one party is blamed.
    second_cause = models.CharField(
        _("second cause"), max_length=16, choices=Cause.choices, blank=True, default=""
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

    # The hand-off outbox: set in the transaction that stores a new or changed
    # neutral/negative review, cleared by the hand-off task once the planner has it. A row
    # still set a minute later was missed (broker down) and is re-enqueued by the sweep.
    handoff_pending_at = models.DateTimeField(null=True, blank=True)

    # When the buyer changed the rating (差评 → 中评/好评), seen by an agent or an import. Some
    # platforms allow one change only (outreach.platforms: revise_once): after it, nothing
    # that asks the buyer to revise is planned any more.
    rating_changed_at = models.DateTimeField(_("rating changed at"), null=True, blank=True)

    # Optimistic concurrency: every state-changing service bumps it with a conditional
    # update, so two agents acting at once cannot both win.
    version = models.PositiveIntegerField(default=1)
    # The next due minute of the review's open agent tasks (NOTHING_DUE when none): the
    # queue's first sort key, kept by triggers on outreach_plannedcontact. An application
    # write of a stale value is recomputed by a trigger on the review itself.
    queue_due = models.DateTimeField(default=NOTHING_DUE, db_default=NOTHING_DUE, editable=False)
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
            # (The "needs triage" lane is review_queue_triage below, its count OpenLoad's.)
            # (The "unassigned" lane is review_queue_unassigned below, its count OpenLoad's, the
            # board's list review_board_unassigned.)
            # The repeat-complainant badge: a buyer's earlier reviews.
            models.Index(fields=["buyer", "reviewed_at"], name="review_buyer_time"),
            # Ingestion's match across keys (ingest/matching.py): a shop's reviews by order
            # and by platform review id, for the records whose key no review has.
            models.Index(fields=["shop", "order_id"], name="review_shop_order"),
            models.Index(fields=["shop", "platform_review_id"], name="review_shop_platform_id"),
            # The queue's lanes in the queue's order (outreach.queue): a page is a range scan.
            _queue_index("review_queue_mine", "assigned_to", models.Q(status__in=OPEN_STATUSES)),
            _queue_index(
                "review_queue_done", "assigned_to", models.Q(status__in=FINISHED_STATUSES)
            ),
            _queue_index(
                "review_queue_unassigned",
                "shop",
                models.Q(assigned_to__isnull=True, status__in=OPEN_STATUSES),
            ),
            _queue_index(
                "review_queue_triage", "shop", models.Q(needs_triage=True, status__in=OPEN_STATUSES)
            ),
            # The queue's search by order id (text and nicks: bigram indexes, migration 0024).
            models.Index(fields=["order_id"], name="review_order_id"),
            # The board's unassigned list, serious first then oldest, paged.
            models.Index(
                models.F("shop"),
                models.F("severity").desc(),
                models.F("reviewed_at"),
                models.F("id"),
                name="review_board_unassigned",
                condition=models.Q(assigned_to__isnull=True, status__in=OPEN_STATUSES),
            ),
            # The reports' reviews that blame two parties (reports.two_causes): a few of the
            # range's reviews, read without scanning the rest.
            models.Index(
                fields=["shop", "reviewed_at"],
                name="review_second_cause",
                condition=~models.Q(second_cause=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug}:{self.external_key}"

    @property
    def words(self) -> str:
        """What the buyer wrote, with the 追评: what classification and mentions read."""
        return f"{self.text}\n{self.followup_text}" if self.followup_text else self.text

    def set_classification(self, result, *, now, aliases=()) -> None:
        """Store a classifier result and who the words name (the CLASSIFICATION_FIELDS)."""
        self.cause = result.cause
        self.subcause = result.subcause
        self.severity = result.severity
        self.second_cause = result.second_cause
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
    "second_cause",
    "confidence",
    "flags",
    "evidence",
    "model_version",
    "needs_triage",
    "classified_at",
    "named_agent",
    "named_courier",
]
