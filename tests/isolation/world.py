"""Two shops, each with a full set of data, for the isolation tests.

The victim shop ("alpha") carries MARKER strings in everything a page could show: review
texts, buyer nicks and phones, product names, order ids, usernames, reply texts, the shop's
name, its webhook secret and its playbook. The attacking shop ("bravo") holds the same kinds
of rows, without markers, so a request of a bravo person is otherwise valid and reaches the
view's permission check and object lookup.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import Q
from django.test import TestCase
from django.utils import timezone

from calls.models import AgentPhone, CallAccount, CallMode, CallRecord, MaskedCall
from outreach.models import (
    Approval,
    CareCall,
    Channel,
    ContactAttempt,
    Kind,
    LocalDay,
    Message,
    MessageState,
    Outcome,
    PlannedContact,
    PlanState,
    Playbook,
    Reply,
    ReplyState,
    Resolution,
)
from reports import rollups
from reports.models import SpikeAlert
from reviews.models import (
    AuditLog,
    Buyer,
    ImportBatch,
    ImportRowError,
    Membership,
    Order,
    Platform,
    Rating,
    Review,
    ReviewEvent,
    Role,
    Severity,
    Shop,
)

MARK = "QZMK"
# Every string of the victim shop a response must never contain.
MARKERS = (
    MARK,
    "qzmk",
    "13977001234",  # the victim buyer's phone
    "977001234",
    "7001234",
)


@dataclass
class ShopData:
    shop: Shop
    agent: User
    lead: User
    manager: User
    ids: dict[str, int] = field(default_factory=dict)


def _people(shop: Shop, prefix: str) -> dict[str, User]:
    people = {}
    for role in (Role.AGENT, Role.LEAD, Role.MANAGER):
        user = User.objects.create_user(f"{prefix}-{role}", first_name=f"{prefix}{role}")
        Membership.objects.create(user=user, shop=shop, role=role, alias=f"{prefix}{role}"[:40])
        people[role] = user
    return people


def populate(shop: Shop, prefix: str, mark: str) -> ShopData:
    """A shop's people and one of each kind of row, every text carrying `mark`."""
    people = _people(shop, prefix)
    agent, lead, manager = people[Role.AGENT], people[Role.LEAD], people[Role.MANAGER]
    now = timezone.now()
    Playbook.objects.create(
        shop=shop,
        promotion_link=f"https://example.com/{mark}-promo",
        templates={"reminder": f"您好{{nick}}，{mark}提醒"},
    )
    # Shown on the playbook page's working calendar (the coming 60 days).
    LocalDay.objects.create(
        shop=shop, day=timezone.localdate() + timedelta(days=3), note=f"{mark}盘点"
    )
    phone = "13977001234" if mark else "13800001111"
    buyer = Buyer.objects.create(shop=shop, nick=f"{mark}nick-{prefix}", phone=phone)
    second_buyer = Buyer.objects.create(shop=shop, nick=f"{mark}nick2-{prefix}", phone=phone)

    def review(n: int, **fields) -> Review:
        values = {
            "shop": shop,
            "buyer": buyer,
            "external_key": f"{prefix}-{n}",
            "order_id": f"{mark}ORDER{prefix}{n}",
            "product_name": f"{mark}产品{prefix}",
            "sku": f"{mark}sku",
            "courier": f"{mark}快递",
            "amount": Decimal("699.00"),
            "rating": Rating.NEGATIVE,
            "text": f"质量太差了 {mark}text{prefix}{n}",
            "reviewed_at": now - timedelta(hours=n + 2),
            "severity": Severity.SERIOUS,
            "cause": "product",
            "subcause": "quality",
        }
        values.update(fields)
        return Review.objects.create(**values)

    assigned = review(1, assigned_to=agent)
    unassigned = review(2)
    closed = review(3, assigned_to=agent, status="closed")
    other = review(4, buyer=second_buyer, assigned_to=agent)
    ReviewEvent.objects.create(review=assigned, kind="note", actor=agent, message=f"{mark}note")
    planned = PlannedContact.objects.create(
        shop=shop,
        review=assigned,
        buyer=buyer,
        kind=Kind.REVISE_FOLLOWUP,
        channel=Channel.PHONE,
        due_at=now - timedelta(minutes=30),
        state=PlanState.MISSED,
        fired_at=now - timedelta(minutes=30),
        escalated_at=now - timedelta(minutes=15),
        assigned_to=agent,
        body=f"{mark}script",
    )
    PlannedContact.objects.create(
        shop=shop,
        review=other,
        buyer=second_buyer,
        kind=Kind.FIRST_CALL,
        channel=Channel.PHONE,
        due_at=now - timedelta(minutes=5),
        state=PlanState.DUE,
        fired_at=now - timedelta(minutes=5),
        assigned_to=agent,
        body=f"{mark}first",
    )
    attempt = ContactAttempt.objects.create(
        review=assigned,
        buyer=buyer,
        agent=agent,
        channel=Channel.PHONE,
        outcome=Outcome.SOLVED,
        resolution=Resolution.RED_PACKET,
        compensation_amount=Decimal("300.00"),
        approval=Approval.PENDING,
        note=f"{mark}attempt",
    )
    # No provider sent it: it waits in the 「待手动发送」 list.
    message = Message.objects.create(
        shop=shop,
        review=assigned,
        buyer=buyer,
        kind=Kind.REVISION_INSTRUCTIONS,
        channel=Channel.SMS,
        to=phone,
        body=f"{mark}message",
        idempotency_key=f"{prefix}-message",
        state=MessageState.BY_HAND,
    )
    pending_reply = Reply.objects.create(
        shop=shop,
        review=unassigned,
        text=f"{mark}reply pending",
        state=ReplyState.PENDING,
        drafted_by=agent,
        submitted_at=now,
    )
    approved_reply = Reply.objects.create(
        shop=shop,
        review=other,
        text=f"{mark}reply approved",
        state=ReplyState.APPROVED,
        drafted_by=agent,
        decided_by=lead,
    )
    batch = ImportBatch.objects.create(
        shop=shop,
        source="file",
        platform=shop.platform,
        filename=f"{mark}export.csv",
        created_by=lead,
    )
    ImportRowError.objects.create(
        batch=batch, row=2, column="text", reason=f"{mark}reason", raw=f"{mark}raw,{phone}"
    )
    order = Order.objects.create(
        shop=shop,
        order_id=f"{mark}ORDER{prefix}1",
        buyer=buyer,
        amount=Decimal("699.00"),
        status=f"{mark}交易成功",
        delivered_at=now - timedelta(hours=3),
    )
    CareCall.objects.create(
        shop=shop,
        order=order,
        due_at=now - timedelta(minutes=10),
        deadline_at=now + timedelta(minutes=50),
    )
    alert = SpikeAlert.objects.create(
        shop=shop,
        dimension="product",
        key=f"{mark}产品{prefix}",
        subcause="quality",
        window_start=timezone.localdate() - timedelta(days=6),
        window_end=timezone.localdate(),
        count=9,
        baseline=1,
    )
    AuditLog.objects.create(
        actor=manager, shop=shop, action="phone_revealed", target=f"review:{assigned.pk}"
    )
    # Masked calling on, with an answered call waiting for its outcome.
    CallAccount.objects.create(
        shop=shop, enabled=True, access_key_id="LTAI", access_key_secret="s", pool_key="FC1"
    )
    AgentPhone.objects.create(user=agent, phone="13700007777")
    masked_call = MaskedCall.objects.create(
        shop=shop,
        review=assigned,
        buyer=buyer,
        agent=agent,
        mode=CallMode.AXB,
        subs_id=f"{prefix}1000",
        secret_no="17100001111",
        expires_at=now + timedelta(minutes=30),
        created_at=now,
    )
    call_record = CallRecord.objects.create(
        call_id=f"{prefix}-call",
        shop=shop,
        masked_call=masked_call,
        review=assigned,
        agent=agent,
        start_time=now - timedelta(minutes=3),
        release_time=now - timedelta(minutes=1),
        talk_seconds=120,
        record_url=f"https://example.com/{mark}rec.mp3",
        released_at=now,
    )
    return ShopData(
        shop=shop,
        agent=agent,
        lead=lead,
        manager=manager,
        ids={
            "review": assigned.pk,
            "unassigned_review": unassigned.pk,
            "closed_review": closed.pk,
            "buyer": buyer.pk,
            "planned": planned.pk,
            "attempt": attempt.pk,
            "reply": pending_reply.pk,
            "approved_reply": approved_reply.pk,
            "batch": batch.pk,
            "alert": alert.pk,
            "order": order.pk,
            "message": message.pk,
            "call_record": call_record.pk,
            "agent": agent.pk,
            "lead": lead.pk,
            "manager": manager.pk,
            "shop": shop.pk,
        },
    )


class TwoShopsTestCase(TestCase):
    """Victim shop alpha (marked) and attacking shop bravo, each with its people and data;
    attackers of every role of bravo, a bravo staff member, and a person who is a team lead
    in bravo but only an agent in alpha."""

    @classmethod
    def setUpTestData(cls) -> None:
        alpha = Shop.objects.create(
            name=f"Alpha {MARK}旗舰店",
            slug="alpha",
            platform=Platform.TAOBAO,
            webhook_secret=f"{MARK}-secret-0123456789",
            revision_link_template=f"https://example.com/{MARK}/{{order_id}}",
        )
        bravo = Shop.objects.create(name="Bravo 专营店", slug="bravo", platform=Platform.JD)
        cls.victim = populate(alpha, "qzmk", MARK)
        cls.home = populate(bravo, "bravo", "")
        cls.staff = User.objects.create_user("bravo-staff", is_staff=True)
        Membership.objects.create(user=cls.staff, shop=bravo, role=Role.MANAGER)
        cls.mixed = User.objects.create_user("bravo-mixed")
        Membership.objects.create(user=cls.mixed, shop=bravo, role=Role.LEAD)
        Membership.objects.create(user=cls.mixed, shop=alpha, role=Role.AGENT)
        # The report roll-ups, as the minute's task builds them from the rows above.
        rollups.refresh()

    def attackers(self) -> dict[str, User]:
        """Everyone of bravo: each role, and its staff member."""
        return {
            "agent": self.home.agent,
            "lead": self.home.lead,
            "manager": self.home.manager,
            "staff": self.staff,
        }


def shop_rows(model, shop: Shop, people: list[int]) -> Q | None:
    """Which rows of `model` belong to `shop` (its people: the ids in `people`); None for a
    model no shop owns."""
    names = {f.name for f in model._meta.get_fields()}
    if model is Shop:
        return Q(pk=shop.pk)
    if model is User:
        return Q(pk__in=people)
    if model is AuditLog:
        # Lines in the shop's name, and lines in no shop's (the admin's, a platform's).
        return Q(shop=shop) | Q(shop=None)
    if "shop" in names:
        return Q(shop=shop)
    if "shop_id" in {f.attname for f in model._meta.concrete_fields}:
        return Q(shop_id=shop.pk)
    for via in ("review", "batch"):
        if via in names:
            return Q(**{f"{via}__shop": shop})
    return None


SNAPSHOT_APPS = ("reviews", "outreach", "calls", "reports", "auth")


def snapshot(shop: Shop) -> dict[str, list]:
    """Every row of the shop (and of its people) in every model: compare two to prove that
    nothing of the shop changed in between."""
    people = list(Membership.objects.filter(shop=shop).values_list("user_id", flat=True))
    rows = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            if label == "auth" and model is not User:
                continue
            where = shop_rows(model, shop, people)
            if where is None:
                continue
            values = model.objects.filter(where).order_by("pk").values()
            rows[model._meta.label] = [
                {k: v for k, v in row.items() if k != "last_login"} for row in values
            ]
    return rows


def changed(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return [label for label in before if before[label] != after.get(label)]
