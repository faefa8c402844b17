"""The demo shop, its three logins and a few hundred generated reviews. Idempotent: reviews are
keyed by the generator's platform review ids (the same seed always yields the same ids), and
shop, users and memberships are looked up before they are created.

The logins get a published password, so the command runs only with DEBUG (or an explicit
flag) and never touches an account that already exists: `DATABASE_URL=… make run` may point at
a real database whose `lead` or `admin` is a real person."""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo.generator import DemoReview, generate_reviews
from reports import rollups
from reviews import classifier, timeline
from reviews.ingest import handoff
from reviews.models import (
    Buyer,
    KeyKind,
    Membership,
    Platform,
    Review,
    Role,
    Shop,
    Source,
    Status,
)

DEMO_SEED = 2024
SHOP_SLUG = "demo"
URL = "http://127.0.0.1:8000/"
# username, first name, role, what the role is called (zh / en)
PEOPLE = (
    ("agent", "小王", Role.AGENT, "售后客服", "support agent"),
    ("lead", "李组长", Role.LEAD, "组长", "team lead"),
    ("manager", "张店长", Role.MANAGER, "店长", "shop manager"),
)
DEMO_AGENT_ALIAS = "小美"
# Past the first couple of hours some reviews have been worked on, so every buyer group of
# the playbook (seed 000 四.3①) shows up. The first eligible reviews take one of each.
WORKED_STATUSES = (
    Status.CONTACTING,
    Status.AGREED,
    Status.REVISED,
    Status.DECLINED,
    Status.UNREACHABLE,
)
STATUS_WEIGHTS = {
    Status.NEW: 50,
    Status.CONTACTING: 16,
    Status.AGREED: 10,
    Status.REVISED: 9,
    Status.DECLINED: 7,
    Status.UNREACHABLE: 8,
}
UNTOUCHED_FOR = timedelta(hours=2)
# New reviews already in the agent's queue; the rest wait on the lead's board.
NEW_ASSIGNED_SHARE = 0.25


class Command(BaseCommand):
    help = "Create the demo shop, users agent/lead/manager and generated reviews (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reviews", type=int, default=300, help="how many reviews (300)")
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="generator seed")
        parser.add_argument(
            "--admin", action="store_true", help="also create the superuser 'admin'"
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="run even though DEBUG is off (only on a database that holds nothing real)",
        )

    def handle(
        self,
        *args,
        reviews: int,
        seed: int,
        admin: bool,
        allow_without_debug: bool,
        **options,
    ) -> None:
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "DEBUG 未开启，未做任何改动：演示数据会创建使用公开密码的账号，只应写入开发数据库。"
                "请以 DEBUG=1 运行；若此数据库确实只用于演示，可加 --allow-without-debug。\n"
                "DEBUG is off, so nothing was done: the demo creates logins with a published "
                "password and belongs in a development database. Run it with DEBUG=1, or pass "
                "--allow-without-debug if this database really holds only the demo."
            )
        password = getattr(settings, "DEMO_PASSWORD", "reviewdesk")
        with transaction.atomic():
            shop = _shop()
            users = {
                username: _person(shop, username, first_name, role, password)
                for username, first_name, role, *_ in PEOPLE
            }
            if admin:
                users["admin"] = _admin(password)
            # An account that was there before is not the demo's: it gets no demo reviews.
            agent = users["agent"][0]
            if (
                users["agent"][1]
                and not Membership.objects.filter(user=agent, shop=shop, role=Role.AGENT).exists()
            ):
                agent = None
            created = _reviews(shop, agent=agent, n=reviews, seed=seed)
        total = Review.objects.filter(shop=shop).count()
        # The reports read roll-ups that beat refreshes every minute: built now, so the
        # manager's first look is not empty.
        rollups.refresh()

        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪 / Demo data ready: {shop.name} ({shop.slug}), "
                f"新增 {created} 条评价，共 {total} 条 / {created} new reviews, {total} in all."
            )
        )
        self.stdout.write(f"打开 / Open: {URL}")
        self.stdout.write(f"登录 / Logins (密码 / password: {password}):")
        roles = [(username, zh, en) for username, _, _, zh, en in PEOPLE]
        if admin:
            roles.append(("admin", "超级管理员", f"superuser ({URL}admin/)"))
        for username, zh, en in roles:
            self.stdout.write(f"  {username:<8} {zh} / {en}")
            if users[username][1]:
                self.stdout.write(
                    self.style.WARNING(
                        f"           账号 {username} 已存在，未作任何改动（密码未重置）/ "
                        f"the account {username} already existed and was left unchanged "
                        "(its password was not reset)"
                    )
                )


def _shop() -> Shop:
    shop, _ = Shop.objects.get_or_create(
        slug=SHOP_SLUG,
        defaults={
            "name": "演示旗舰店",
            "platform": Platform.TAOBAO,
            "timezone": "Asia/Shanghai",
            "revision_link_template": "https://rate.taobao.com/remark_seller.jhtml?order_id={order_id}",
        },
    )
    return shop


def _person(shop: Shop, username: str, first_name: str, role: str, password: str):
    """The login, created with its demo shop membership; (user, whether it existed before).

    An existing account is left exactly as it is (password, groups, shops): it may be a real
    person's, or the demo's own from an earlier run whose password someone changed.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, True
    user = User.objects.create_user(username, password=password, first_name=first_name)
    # The demo agent goes by 小美 with buyers (her 花名), so reviews naming her are hers.
    alias = DEMO_AGENT_ALIAS if role == Role.AGENT else ""
    Membership.objects.create(user=user, shop=shop, role=role, alias=alias)
    return user, False


def _admin(password: str):
    User = get_user_model()
    user = User.objects.filter(username="admin").first()
    if user is not None:
        return user, True
    return User.objects.create_superuser("admin", password=password), False


def _reviews(shop: Shop, *, agent, n: int, seed: int) -> int:
    now = timezone.now()
    demo = list(generate_reviews(n, seed=seed, now=now))
    # By key, whatever their source: the demo shop may also hold imported reviews.
    existing = set(
        Review.objects.filter(
            shop=shop, external_key__in=[d.platform_review_id for d in demo]
        ).values_list("external_key", flat=True)
    )
    demo = [d for d in demo if d.platform_review_id not in existing]
    if not demo:
        return 0

    buyers = _buyers(shop, demo)
    rng = random.Random(seed)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    worked = 0
    aliases = Membership.objects.aliases(shop.pk)
    rows = []
    for d in demo:
        status = Status.NEW
        if now - d.reviewed_at > UNTOUCHED_FOR:
            if worked < len(WORKED_STATUSES) and not existing:
                status = WORKED_STATUSES[worked]
            else:
                status = rng.choices(statuses, weights)[0]
            worked += status != Status.NEW
        if status != Status.NEW:
            assigned, changed = agent, d.reviewed_at + (now - d.reviewed_at) * rng.uniform(0.1, 0.9)
        else:
            assigned, changed = (agent if rng.random() < NEW_ASSIGNED_SHARE else None), None

        result = classifier.classify(
            d.text, amount=d.amount, high_value_threshold=shop.high_value_threshold
        )
        review = Review(
            shop=shop,
            buyer_id=buyers[d.nick],
            external_key=d.platform_review_id,
            key_kind=KeyKind.REVIEW_ID,
            platform_review_id=d.platform_review_id,
            order_id=d.order_id,
            product_name=d.product_name,
            sku=d.sku,
            amount=d.amount,
            rating=d.rating,
            text=d.text,
            followup_text=d.followup_text,
            followup_at=d.followup_at,
            reviewed_at=d.reviewed_at,
            courier=d.courier,
            tracking_no=d.tracking_no,
            shipped_at=d.shipped_at,
            delivered_at=d.delivered_at,
            source=Source.DEMO,
            status=status,
            status_changed_at=changed,
            assigned_to=assigned,
            # New ones go to the outreach planner, as an import would send them; the
            # others stand for work already under way.
            handoff_pending_at=now if status == Status.NEW else None,
        )
        review.set_classification(result, now=now, aliases=aliases)
        rows.append(review)
    created = Review.objects.bulk_create(rows, batch_size=500)
    if any(review.pk is None for review in created):  # databases that return no ids
        keys = [review.external_key for review in created]
        ids = dict(
            Review.objects.filter(shop=shop, external_key__in=keys).values_list(
                "external_key", "id"
            )
        )
        for review in created:
            review.pk = ids[review.external_key]

    events = []
    for review in created:
        events.append(timeline.imported(review, batch=None, source=Source.DEMO, commit=False))
        if review.status != Status.NEW:
            events.append(
                timeline.status_changed(
                    review, old=Status.NEW, new=review.status, actor=agent, commit=False
                )
            )
    timeline.save_all(events)
    handoff.enqueue_on_commit([r.pk for r in created if r.status == Status.NEW])
    return len(created)


def _buyers(shop: Shop, demo: list[DemoReview]) -> dict[str, int]:
    """Buyer ids by nick, creating the missing ones (the first phone seen for a nick wins)."""
    phones: dict[str, str] = {}
    for d in demo:
        phones.setdefault(d.nick, d.phone)
    known = set(Buyer.objects.filter(shop=shop, nick__in=phones).values_list("nick", flat=True))
    Buyer.objects.bulk_create(
        [
            Buyer(shop=shop, nick=nick, phone=phone)
            for nick, phone in phones.items()
            if nick not in known
        ]
    )
    return dict(Buyer.objects.filter(shop=shop, nick__in=phones).values_list("nick", "id"))
