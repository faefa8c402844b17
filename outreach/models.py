"""Outreach: the playbook, planned contacts, messages, contact attempts and public replies.

The database is the scheduler's source of truth: a PlannedContact row per planned item with
`due_at` in UTC and a state; Celery only delivers (see services.plannedcontact_dispatch_due).

Long because outreach's tables live together, each beside its states and read methods; the
playbook's working calendar reads the shop's local days (LocalDay) kept here too.
"""

import hashlib
from datetime import date, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviews.models import Buyer, Review, Shop
from reviews.privacy import mask_phones

from . import wording, workcalendar


def default_persistence_schedule() -> list[dict]:
    # Seed 000 一.2, 三: several times, several channels, over about a week.  Hours count
    # from the first unanswered call; after the last step comes the public-reply task.
    return [
        {"after_hours": 3, "channel": "im"},
        {"after_hours": 24, "channel": "phone"},
        {"after_hours": 48, "channel": "sms"},
        {"after_hours": 96, "channel": "platform"},
        {"after_hours": 144, "channel": "phone"},
    ]


class PlaybookQuerySet(models.QuerySet):
    def for_shop(self, shop: Shop) -> "Playbook":
        """The shop's playbook; created with the defaults the first time it is asked for."""
        playbook = self.get_or_create(shop=shop)[0]
        if isinstance(shop, Shop):
            playbook.shop = shop  # the caller's shop: reading its zone costs no second query
        return playbook


class Playbook(models.Model):
    """The tunable rules of one shop's outreach, as data a team lead edits."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="playbook")
    # Quiet hours in the buyer's local time (seed 004 二②): nothing sent, no call asked.
    quiet_start = models.TimeField(_("quiet hours start"), default=time(21, 30))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(9, 0))
    # Agents' working hours in the shop's time zone: calls are asked for inside them only.
    work_start = models.TimeField(_("working hours start"), default=time(9, 0))
    work_end = models.TimeField(_("working hours end"), default=time(21, 30))
    # Chinese e-commerce service desks usually work seven days a week, and close for the
    # statutory holidays (working the 调休 weekend days instead): both defaults say so.
    works_weekends = models.BooleanField(_("works weekends"), default=True)
    observes_public_holidays = models.BooleanField(_("closed on public holidays"), default=True)
    max_calls_per_day = models.PositiveSmallIntegerField(_("calls per buyer per day"), default=2)
    max_messages_per_day = models.PositiveSmallIntegerField(
        _("messages per buyer per day"), default=3
    )
    cooling_off_hours = models.PositiveSmallIntegerField(
        _("cooling-off for serious reviews (hours)"), default=24
    )
    historical_days = models.PositiveSmallIntegerField(
        _("historical review after (days)"), default=30
    )
    invitation_only_days = models.PositiveSmallIntegerField(
        _("invitation only after (days)"), default=180
    )
    revise_grace_minutes = models.PositiveIntegerField(
        _("reminder after agreed time if not revised (minutes)"), default=120
    )
    missed_after_minutes = models.PositiveSmallIntegerField(
        _("escalate a follow-up missed by (minutes)"), default=15
    )
    care_call_start = models.TimeField(_("care call from"), default=time(18, 0))
    care_call_end = models.TimeField(_("care call until"), default=time(19, 0))
    reply_lead_days = models.PositiveSmallIntegerField(
        _("reply task this many days before the platform's deadline"), default=5
    )
    persistence_schedule = models.JSONField(
        _("persistence schedule"), default=default_persistence_schedule
    )
    templates = models.JSONField(_("message templates"), default=dict, blank=True)
    # Seed 000 四.2: the six-month invitation links to new products or a promotion, never to
    # the old review.
    promotion_link = models.CharField(_("promotion link"), max_length=300, blank=True)
    # Compensation worth more than this (yuan) waits for a team lead's approval.
    compensation_approval_above = models.DecimalField(
        _("compensation needing a lead's approval above (yuan)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("100"),
    )
    # Each new review goes to an on-duty agent with room as it arrives (issue 16); off, new
    # reviews wait unassigned for the lead's board.
    assign_on_arrival = models.BooleanField(_("assign new reviews on arrival"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlaybookQuerySet.as_manager()

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return f"{self.shop}"

    def template(self, name: str) -> str:
        return self.templates.get(name) or wording.DEFAULT_TEMPLATES[name]

    def working_calendar(self, since: date | None = None) -> workcalendar.ShopCalendar:
        """The shop's working days and hours, with its local days from `since` (a day back
        from today by default: the shop's zone may be a day behind UTC's date)."""
        since = since or timezone.now().date() - timedelta(days=1)
        key = (since, self.work_start, self.work_end, self.works_weekends)
        key += (self.observes_public_holidays,)
        # Kept on this instance: one planning pass asks several times (the call, the reply
        # task, the care call, why each waits) and should read the local days once.
        if (cached := getattr(self, "_working_calendar", None)) and cached[0] == key:
            return cached[1]
        local_days = LocalDay.objects.filter(shop_id=self.shop_id, day__gte=since)
        calendar = workcalendar.ShopCalendar(
            tz=self.shop.tz,
            work_start=self.work_start,
            work_end=self.work_end,
            works_weekends=self.works_weekends,
            observes_public_holidays=self.observes_public_holidays,
            local_days=dict(local_days.values_list("day", "working")),
        )
        self._working_calendar = (key, calendar)
        return calendar

    def clean(self) -> None:
        # Validation only (no side effects): the admin and the lead's form refuse templates
        # that trade compensation for a review (seed 002 Q3).
        for name, text in (self.templates or {}).items():
            problem = (
                wording.template_problem(name, text)
                if name in wording.DEFAULT_TEMPLATES
                else wording.compliance_problem(text)
            )
            if problem:
                raise ValidationError({"templates": f"{name}: {problem}"})


class LocalDay(models.Model):
    """A shop's own change to the national calendar: an extra day off (the warehouse shut
    after 双十一) or an extra working day; it beats the public holidays and the weekend rule."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="local_days")
    day = models.DateField(_("date"))
    working = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: an extra working day. Not ticked: a day off for this shop."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("local calendar day")
        verbose_name_plural = _("local calendar days")
        ordering = ["day"]
        # Also serves Playbook.working_calendar (the shop's days from a date on).
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="localday_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop} {self.day:%Y-%m-%d}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    IM = "im", _("IM (Wangwang)")
    SMS = "sms", _("SMS")
    PLATFORM = "platform", _("Platform message")


MESSAGE_CHANNELS = [Channel.IM, Channel.SMS, Channel.PLATFORM]


class Kind(models.TextChoices):
    FIRST_CALL = "first_call", _("First call")
    APOLOGY_CALL = "apology_call", _("Apology call")
    INVITATION = "invitation", _("Invitation")
    REVISION_INSTRUCTIONS = "revision_instructions", _("Revision instructions")
    REVISE_FOLLOWUP = "revise_followup", _("Follow-up at the agreed time")
    REMINDER_SMS = "reminder_sms", _("Reminder")
    PERSISTENCE = "persistence", _("Persistence attempt")
    EXPLANATORY_FOLLOWUP = "explanatory_followup", _("Ask for an explanatory follow-up review")
    REPLY_TASK = "reply_task", _("Public reply")
    CARE_CALL = "care_call", _("Care call")
    AGENT_MESSAGE = "agent_message", _("Agent's message")


# Items an agent works (shown in their queue); everything else is a message the system sends.
AGENT_KINDS = {
    Kind.REVISE_FOLLOWUP,
    Kind.REPLY_TASK,
    Kind.FIRST_CALL,
    Kind.APOLOGY_CALL,
    Kind.CARE_CALL,
}


class PlanState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CLAIMED = "claimed", _("Claimed")  # the dispatcher handed it to a worker
    DUE = "due", _("Due")  # fired: an agent's task waiting in their queue
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed (escalated)")


OPEN_PLAN_STATES = [PlanState.PLANNED, PlanState.CLAIMED, PlanState.DUE, PlanState.MISSED]


class PlannedContactQuerySet(models.QuerySet):
    def agent_tasks(self) -> "PlannedContactQuerySet":
        """Items an agent works (a call, the agreed-time follow-up, a reply to write), as
        opposed to messages the system sends: see is_agent_task."""
        return self.filter(Q(kind__in=AGENT_KINDS) | Q(channel=Channel.PHONE))

    def due_for(self, user) -> "PlannedContactQuerySet":
        """The follow-ups `user` must act on now (the navigation's count, the queue's top)."""
        return self.filter(assigned_to=user, state__in=[PlanState.DUE, PlanState.MISSED]).order_by(
            "due_at"
        )


class PlannedContact(models.Model):
    """One planned item of outreach: what, for whom, due when (UTC), and how far it got."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="planned_contacts")
    buyer = models.ForeignKey(
        Buyer, on_delete=models.CASCADE, related_name="planned_contacts", null=True, blank=True
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    due_at = models.DateTimeField(_("due at"))
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=PlanState.choices, default=PlanState.PLANNED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_contacts",
    )
    needs_lead = models.BooleanField(default=False)  # extortion suspected: a lead handles it
    body = models.TextField(blank=True)  # message text, or the agent's script
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlannedContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned contact")
        verbose_name_plural = _("planned contacts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="claimed") | Q(claimed_at__isnull=False),
                name="plannedcontact_claimed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["due", "missed"]) | Q(fired_at__isnull=False),
                name="plannedcontact_fired_has_time",
            ),
        ]
        indexes = [
            # The dispatcher: WHERE state='planned' AND due_at <= now + lookahead ORDER BY
            # due_at FOR UPDATE SKIP LOCKED — a partial index stays small however much is done.
            models.Index(
                fields=["due_at"], condition=Q(state="planned"), name="plannedcontact_dispatch"
            ),
            # The reaper: WHERE state='claimed' AND claimed_at < now - lease.
            models.Index(
                fields=["claimed_at"], condition=Q(state="claimed"), name="plannedcontact_reap"
            ),
            # Missed slots: WHERE state='due' AND deadline_at < now.
            models.Index(
                fields=["deadline_at"], condition=Q(state="due"), name="plannedcontact_missed"
            ),
            # due_for(user): WHERE assigned_to=… AND state IN ('due','missed') ORDER BY due_at.
            models.Index(fields=["assigned_to", "state", "due_at"], name="plannedcontact_agent"),
            # Caps and do-not-contact: a buyer's pending items, by day.
            models.Index(fields=["buyer", "due_at"], name="plannedcontact_buyer"),
            # The queue's order: the next open agent item of each review (a per-row subquery);
            # kind and channel are key columns so the probe never reads the table.
            models.Index(
                fields=["review", "due_at", "kind", "channel"],
                condition=Q(state__in=["planned", "claimed", "due", "missed"]),
                name="plannedcontact_review_open",
            ),
            # Overdue follow-ups right now (the reports' and the board's count), per shop.
            models.Index(
                fields=["shop", "due_at"],
                condition=Q(state__in=["due", "missed"]),
                name="plannedcontact_owed",
            ),
            # The board's due-today and overdue per agent: each agent's open agent tasks by
            # due time, the state alongside (index-only counts).
            models.Index(
                fields=["shop", "assigned_to", "due_at"],
                include=["state"],
                condition=Q(state__in=OPEN_PLAN_STATES)
                & (Q(kind__in=sorted(AGENT_KINDS)) | Q(channel=Channel.PHONE)),
                name="plannedcontact_agent_open",
            ),
            # The board's missed slots: WHERE shop … AND state='missed' ORDER BY escalated_at.
            models.Index(
                fields=["shop", "escalated_at"],
                condition=Q(state="missed"),
                name="plannedcontact_board_missed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_agent_task(self) -> bool:
        return is_agent_task(self.kind, self.channel)


def is_agent_task(kind: str, channel: str) -> bool:
    """Does an agent work this item (it waits in their queue when due), or does the system
    send it as a message? Every call is the agent's; so are the kinds in AGENT_KINDS."""
    return channel == Channel.PHONE or kind in AGENT_KINDS


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    # 「已发送」 only when a provider accepted the message (its id kept in provider_id).
    SENT = "sent", _("Sent")
    # The provider's receipt: the buyer's phone got it, or the network could not deliver it.
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    # The send timed out: the provider may have it. Never sent again by itself; its status
    # is queried (outreach.services.sms_status), and a person decides if it never turns up.
    UNKNOWN = "unknown", _("Outcome unknown")
    # No provider can send it (none configured, or none for its channel): it waits for a
    # person to send it on the platform's own tools, and to say so.
    BY_HAND = "by_hand", _("To send by hand")
    # A named person confirmed sending it (sent_by), by the channel they used, at sent_at.
    SENT_BY_HAND = "sent_by_hand", _("Sent by hand")
    # "Failed" alone is also an import batch's status (「导入失败」): the context keeps them apart.
    FAILED = "failed", pgettext_lazy("message state", "Failed")


class Message(models.Model):
    """The outbox: a row per message to a buyer, written in the transaction that decides it.

    Delivery claims the row (queued → sending) with a conditional update before talking to
    any provider, so a message is sent at most once whatever happens to workers.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="messages")
    planned_contact = models.ForeignKey(
        PlannedContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=100)
    body = models.TextField()
    state = models.CharField(
        max_length=12, choices=MessageState.choices, default=MessageState.QUEUED
    )
    # Sent by hand: who confirmed it and the channel they actually used (it may differ from
    # the planned one: an 旺旺 message the agent ended up sending as an SMS from the shop phone).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_by_hand_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    # The SMS account that took it (or may have: outcome unknown), asked for its status.
    sms_account = models.ForeignKey(
        "outreach.SmsAccount", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    receipt_at = models.DateTimeField(null=True, blank=True)  # the provider's delivery report
    checked_at = models.DateTimeField(null=True, blank=True)  # the last status query
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
            # 「已手动发送」 names the person, the channel and the minute, or it is not recorded.
            models.CheckConstraint(
                condition=~Q(state="sent_by_hand")
                | Q(sent_at__isnull=False, sent_by_hand_channel__gt=""),
                name="message_by_hand_has_channel",
            ),
            # 「已发送」 and what follows it only with the id of the provider that took it.
            models.CheckConstraint(
                condition=~Q(state__in=["sent", "delivered", "undelivered"])
                | Q(provider_id__gt=""),
                name="message_sent_has_provider_id",
            ),
        ]
        indexes = [
            # The sweep: WHERE state='queued' AND enqueued_at < now - lease (lost enqueues),
            # and the reaper: WHERE state='sending' AND claimed_at < now - lease.
            models.Index(
                fields=["state", "enqueued_at"],
                condition=Q(state__in=["queued", "sending"]),
                name="message_sweep",
            ),
            # Caps: a buyer's messages of the day.
            models.Index(fields=["buyer", "created_at"], name="message_buyer_time"),
            # The 「待手动发送」 list and the due count: WHERE shop … AND state='by_hand'
            # ORDER BY enqueued_at.
            models.Index(
                fields=["shop", "enqueued_at"],
                condition=Q(state="by_hand"),
                name="message_by_hand",
            ),
            # The status query: WHERE state IN ('unknown', 'sent') ORDER BY checked_at.
            models.Index(
                fields=["state", "checked_at"],
                condition=Q(state__in=["unknown", "sent"]),
                name="message_unsettled",
            ),
        ]

    def __str__(self) -> str:
        # Masked: a message's name shows in the admin and in logs, which never hold a number.
        return f"{self.get_channel_display()} → {mask_phones(self.to)} ({self.get_state_display()})"


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached, in progress")
    AGREED = "agreed", _("Agreed to revise")
    SOLVED = "solved", _("Problem solved")
    DECLINED = "declined", _("Declined")
    NO_ANSWER = "no_answer", _("No answer")
    DO_NOT_CONTACT = "do_not_contact", _("Asked not to be contacted")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class Resolution(models.TextChoices):
    NONE = "", _("None")
    PHOTOS = "photos", _("Photos to confirm")
    RESEND_PART = "resend_part", _("Resend a part")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RETURN_PAID = "return_paid", _("Return, shipping paid")
    FULL_REFUND = "full_refund", _("Full refund")
    GIFT = "gift", _("Gift or coupon")
    RED_PACKET = "red_packet", _("Red packet")
    FREE_SHIPPING = "free_shipping", _("Free shipping next order")


# Resolutions that hand the buyer money or goods: on an extortion-flagged review they need a
# team lead's approval.
COMPENSATIONS = {
    Resolution.PARTIAL_REFUND,
    Resolution.FULL_REFUND,
    Resolution.GIFT,
    Resolution.RESEND_PART,
    Resolution.RETURN_PAID,
    Resolution.RED_PACKET,
    Resolution.FREE_SHIPPING,
}

# Compensation that hands the buyer something beyond fixing the product. Logged together with
# the buyer's agreement to revise, it can read as a reward for the review (seed 002 Q3): the
# agent explains it in a note and a team lead decides. A resent part or a paid return fixes
# the product and does not.
REWARDS = {
    Resolution.PARTIAL_REFUND,
    Resolution.FULL_REFUND,
    Resolution.GIFT,
    Resolution.RED_PACKET,
    Resolution.FREE_SHIPPING,
}


class Approval(models.TextChoices):
    NOT_NEEDED = "", _("Not needed")
    PENDING = "pending", _("Awaiting a lead")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Refused")


class ContactAttempt(models.Model):
    """What an agent did and what came of it: the record the caps count and replies cite."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="contact_attempts")
    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="contact_attempts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    resolution = models.CharField(
        max_length=16, choices=Resolution.choices, blank=True, default=Resolution.NONE
    )
    refund_percent = models.PositiveSmallIntegerField(
        _("partial refund %"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    compensation_amount = models.DecimalField(
        _("compensation (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    approval = models.CharField(
        _("approval"),
        max_length=10,
        choices=Approval.choices,
        blank=True,
        default=Approval.NOT_NEEDED,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [
            # Caps: a buyer's calls of the day, across all the shop's reviews.
            models.Index(fields=["buyer", "created_at"], name="attempt_buyer_time"),
            # The lead's board: compensation awaiting approval.
            models.Index(
                fields=["review"], condition=Q(approval="pending"), name="attempt_pending_approval"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


class ReplyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Sent back")
    POSTED = "posted", _("Posted")


class PublishOutcome(models.TextChoices):
    """「发布到平台」's last attempt: under way, refused (code and message kept), unknown (a
    timeout: a person checks the platform and marks it posted), posted."""

    NONE = "", _("Not tried")
    POSTING = "posting", _("Being posted")
    REFUSED = "refused", _("Refused by the platform")
    UNKNOWN = "unknown", _("Outcome unknown")
    POSTED = "posted", _("Posted through the platform")


class Reply(models.Model):
    """The public reply (评价解释) to a review that stays: drafted by an agent, approved by a
    lead, posted by a person on the platform (seed 000 四.5)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    text = models.TextField(_("reply"))
    situation = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=ReplyState.choices, default=ReplyState.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_note = models.CharField(max_length=500, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    # 「发布到平台」: who clicked last and when, what the platform answered.
    publish_outcome = models.CharField(
        max_length=10, choices=PublishOutcome.choices, default=PublishOutcome.NONE, blank=True
    )
    publish_code = models.CharField(max_length=64, blank=True)
    publish_message = models.CharField(max_length=500, blank=True)
    publish_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    publish_at = models.DateTimeField(null=True, blank=True)
    platform_reply_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("public reply")
        verbose_name_plural = _("public replies")
        indexes = [
            # The lead's board: replies awaiting approval in my shops, oldest first.
            models.Index(
                fields=["shop", "submitted_at"], condition=Q(state="pending"), name="reply_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.get_state_display()}"

    @property
    def text_digest(self) -> str:
        """What the lead's approval form carries back: approving checks the text is unchanged."""
        return hashlib.sha256(self.text.encode()).hexdigest()


# Alerts to a shop's leads live in their own module (this one is near its size limit).
from .alert_models import (  # noqa: E402, F401
    ROBOTS,
    AlertChannel,
    AlertKind,
    AlertState,
    LeadAlert,
    LeadAlertSettings,
)

# An order's care call lives in its own module too.
from .care_models import CareCall, CareCallOutcome, CareCallQuerySet  # noqa: E402, F401

# A shop's SMS account, its provider templates and the buyers' replies.
from .sms_models import (  # noqa: E402, F401
    InboundSms,
    SmsAccount,
    SmsProvider,
    SmsTemplate,
)
