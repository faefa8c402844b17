"""The demo's three shops (Taobao, Tmall, JD), its five logins and a few hundred generated
reviews, with a normal working day around the moment it runs (demo.day). Idempotent: reviews
are keyed by the generator's platform review ids (the same seed always yields the same ids),
orders by their order ids, and shops, users and memberships are looked up before they are
created.

The logins get a published password, so the command runs only with DEBUG (or an explicit
flag) and never touches an account that already exists: `DATABASE_URL=… make run` may point at
a real database whose `lead` or `admin` is a real person."""

import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import day
from demo.generator import DemoReview, generate_reviews
from reports import rollups
from reviews import classifier, timeline
from reviews.ingest import handoff
from reviews.models import (
    Buyer,
    KeyKind,
    Membership,
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
    ("agent", "小王", Role.AGENT, "售后客服 早班 08:00–16:00", "support agent, 08:00–16:00"),
    ("agent2", "小陈", Role.AGENT, "售后客服 中班 12:00–20:00", "support agent, 12:00–20:00"),
    ("agent3", "小刘", Role.AGENT, "售后客服 晚班 16:00–24:00", "support agent, 16:00–24:00"),
    ("lead", "李组长", Role.LEAD, "组长", "team lead"),
    ("manager", "张店长", Role.MANAGER, "店长", "shop manager"),
)
# Past the first couple of hours some reviews have been worked on, so every buyer group of
# the playbook (seed 000 四.3①) shows up. The first eligible reviews take one of each.
WORKED_STATUSES = (
    Status.CONTACTING,
    Status.AGREED,
    Status.REVISED,
    Status.DECLINED,
    Status.UNREACHABLE,
)
# Reviews of earlier days and today's older ones have all been worked (a normal day has no
# backlog of untouched reviews); only the freshest are new (demo.day.FRESH).
STATUS_WEIGHTS = {
    Status.CONTACTING: 16,
    Status.AGREED: 10,
    Status.REVISED: 9,
    Status.DECLINED: 7,
    Status.UNREACHABLE: 8,
}


class Command(BaseCommand):
    help = (
        "Create the demo shops (Taobao, Tmall, JD), users agent/agent2/agent3/lead/manager, "
        "generated reviews and today's orders (idempotent)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reviews", type=int, default=300, help="how many reviews, shared by the shops (300)"
        )
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
        now = timezone.now()
        with transaction.atomic():
            shops = [_shop(spec) for spec in day.SHOPS]
            users = {
                username: _person(shops, username, first_name, role, password)
                for username, first_name, role, *_ in PEOPLE
            }
            if admin:
                users["admin"] = _admin(password)
            new, today = _reviews(shops, n=reviews, seed=seed, now=now)
            orders = sum(
                day.todays_orders(spec, shop, now=now, reviews=today[shop.pk])
                for spec, shop in zip(day.SHOPS, shops, strict=True)
            )
        total = Review.objects.filter(shop__in=shops).count()
        # The reports read roll-ups that beat refreshes every minute: built now, so the
        # manager's first look is not empty.
        rollups.refresh()

        self.stdout.write(
            self.style.SUCCESS(
                "演示数据已就绪 / Demo data ready: "
                + ", ".join(f"{shop.name} ({shop.get_platform_display()})" for shop in shops)
                + f"; 新增 {new} 条评价，共 {total} 条，今日订单 {orders} 个 / {new} new "
                f"reviews, {total} in all, {orders} orders of today."
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


def _shop(spec: day.DemoShop) -> Shop:
    shop, _ = Shop.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "platform": spec.platform,
            "timezone": "Asia/Shanghai",
            "revision_link_template": spec.revision_link_template,
        },
    )
    return shop


def _person(shops: list[Shop], username: str, first_name: str, role: str, password: str):
    """The login, created with its membership of every demo shop (an agent with their shift
    and the name buyers see); (user, whether it existed before).

    An existing account is left exactly as it is (password, groups, shops): it may be a real
    person's, or the demo's own from an earlier run whose password someone changed.
    """
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, True
    user = User.objects.create_user(username, password=password, first_name=first_name)
    shift_start, shift_end, alias = day.SHIFTS.get(username, (None, None, ""))
    for shop in shops:
        Membership.objects.create(
            user=user,
            shop=shop,
            role=role,
            alias=alias,
            shift_start=shift_start,
            shift_end=shift_end,
        )
    return user, False


def _admin(password: str):
    User = get_user_model()
    user = User.objects.filter(username="admin").first()
    if user is not None:
        return user, True
    return User.objects.create_superuser("admin", password=password), False


def _reviews(shops: list[Shop], *, n: int, seed: int, now) -> tuple[int, dict[int, list[Review]]]:
    """The generated reviews, dealt to the shops in turn: how many were created, and per
    shop those of them that came in today."""
    demo = list(generate_reviews(n, seed=seed, now=now))
    dealt: dict[int, list[DemoReview]] = {shop.pk: [] for shop in shops}
    for i, d in enumerate(demo):
        dealt[shops[i % len(shops)].pk].append(d)
    rng = random.Random(seed)
    today: dict[int, list[Review]] = {}
    new = 0
    for shop in shops:
        created = _shop_reviews(shop, dealt[shop.pk], rng=rng, now=now)
        new += len(created)
        start = day.start_of_day(now, shop)
        worked_today = [r for r in created if r.reviewed_at >= start and r.status != Status.NEW]
        day.todays_work(shop, worked_today, now=now, rng=rng)
        today[shop.pk] = [r for r in created if r.reviewed_at >= start]
    return new, today


def _shop_reviews(shop: Shop, demo: list[DemoReview], *, rng, now) -> list[Review]:
    # By key, whatever their source: the demo shop may also hold imported reviews.
    existing = set(
        Review.objects.filter(
            shop=shop, external_key__in=[d.platform_review_id for d in demo]
        ).values_list("external_key", flat=True)
    )
    demo = [d for d in demo if d.platform_review_id not in existing]
    if not demo:
        return []

    buyers = _buyers(shop, demo)
    agents = day.demo_agents(shop)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    worked = worked_today = 0
    today = day.start_of_day(now, shop)
    aliases = Membership.objects.aliases(shop.pk)
    rows = []
    for turn, d in enumerate(demo):
        if now - d.reviewed_at < day.FRESH:
            # Just arrived: new, with whoever is on shift now (nobody at night: the board).
            status, changed = Status.NEW, None
            assigned = day.on_shift(agents, now, shop, turn)
        else:
            if d.reviewed_at >= today:
                # Today's run of work, the same every day: follow-ups agreed (one of them
                # missed), calls unanswered and due again, a revision, a refusal.
                status = day.TODAYS_STATUSES[worked_today % len(day.TODAYS_STATUSES)]
                worked_today += 1
            elif worked < len(WORKED_STATUSES) and not existing:
                status = WORKED_STATUSES[worked]
                worked += 1
            else:
                status = rng.choices(statuses, weights)[0]
            changed = d.reviewed_at + (now - d.reviewed_at) * rng.uniform(0.1, 0.9)
            # Worked by whoever was on shift when it came in (the morning agent at night).
            assigned = day.on_shift(agents, d.reviewed_at, shop, turn) or (
                agents[0].user if agents else None
            )

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
                    review,
                    old=Status.NEW,
                    new=review.status,
                    actor=review.assigned_to,
                    commit=False,
                )
            )
    timeline.save_all(events)
    handoff.enqueue_on_commit([r.pk for r in created if r.status == Status.NEW])
    return created


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
