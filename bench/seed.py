"""Million-review shops for the scale benchmarks, written by PostgreSQL itself.

`bench_shop` builds each review in Python from the demo generator (a quarter of an hour for a
million on the 2-core machine); here one INSERT … SELECT over generate_series writes them in a
minute or two, with everything the queue and the board read (status, assignee, severity,
amount, a searchable text, one open agent task per open assigned review). Made once per slug:
a later run finds the rows and reuses them. PostgreSQL only (the benchmarks' database).
"""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction

from reviews.models import Membership, Platform, Review, Role, Shop

from .common import BENCH_PASSWORD

TEXTS = [
    "质量太差了，用了两天就坏了",
    "快递太慢，等了一个星期",
    "客服态度不好，问了半天没人回",
    "和图片不一样，颜色差很多",
    "包装破损，快递员扔在门口",
    "尺码偏小，穿不上",
    "质量一般，对不起这个价格",
    "物流信息一直不更新",
    "少发了一件配件",
    "味道很大，不敢用",
    "快递员态度恶劣，不送上楼",
    "做工粗糙，线头很多",
    "发错货了，联系客服也不处理",
    "电池不耐用，充一次用半天",
    "说是正品，感觉是假货",
    "退货流程太麻烦",
]
COURIERS = ["中通", "圆通", "申通", "韵达", "顺丰", "京东", "极兔"]
PRODUCTS = ["蓝牙耳机", "保温杯", "运动鞋", "充电宝", "T恤"]


def sql_bench_shop(
    slug: str, n_reviews: int, *, open_share: float, agents: int = 10
) -> tuple[Shop, list[User]]:
    """A shop of `n_reviews` reviews, `open_share` of them still open (90% of those assigned
    round-robin to `agents` agents, 5% needing triage), half a buyer per review."""
    shop, _ = Shop.objects.get_or_create(
        slug=slug, defaults={"name": f"Bench {slug}", "platform": Platform.TAOBAO}
    )
    users, hashed = [], None
    for i in range(agents):
        user, created = User.objects.get_or_create(username=f"{slug}-agent{i}")
        if created:
            hashed = hashed or make_password(BENCH_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": Role.AGENT})
        users.append(user)
    if Review.objects.filter(shop=shop).exists():
        return shop, users
    agent_ids = [u.pk for u in users]
    params = {
        "shop": shop.pk,
        "n": n_reviews,
        "buyers": max(1, n_reviews // 2),
        "open": open_share,
        "agents": agent_ids,
        "texts": TEXTS,
        "couriers": COURIERS,
        "products": PRODUCTS,
        "slug": slug,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """INSERT INTO reviews_buyer (nick, phone, timezone, created_at, shop_id)
            SELECT %(slug)s || '-b' || g, '138' || lpad(g::text, 8, '0'), 'Asia/Shanghai',
                   now(), %(shop)s
            FROM generate_series(1, %(buyers)s) g""",
            params,
        )
        cursor.execute(
            """
            WITH b AS (SELECT min(id) AS lo FROM reviews_buyer WHERE shop_id = %(shop)s),
            g AS (
                SELECT g, random() AS r_open, random() AS r_status, random() AS r_assign,
                       random() AS r_sev, random() AS r_age
                FROM generate_series(1, %(n)s) g
            )
            INSERT INTO reviews_review (
                external_key, key_kind, platform_review_id, order_id, product_name, sku,
                amount, rating, text, followup_text, reviewed_at, courier, tracking_no, dsr,
                source, status, cause, subcause, severity, confidence, flags, evidence,
                model_version, needs_triage, version, created_at, updated_at, shop_id,
                named_agent, named_courier, second_cause, buyer_id, assigned_to_id)
            SELECT 'sql-' || g, 'review_id', 'p' || g, 'o' || g,
                   (%(products)s::text[])[1 + g %% 5], 'sku' || (g %% 50),
                   CASE WHEN g %% 97 = 0 THEN NULL ELSE round((random() * 800)::numeric, 2) END,
                   CASE WHEN g %% 5 < 3 THEN 'negative' ELSE 'neutral' END,
                   (%(texts)s::text[])[1 + g %% 16], '',
                   now() - r_age * r_age * interval '400 days',
                   (%(couriers)s::text[])[1 + g %% 7], 'T' || g, '{}', 'demo',
                   CASE WHEN r_open < %(open)s THEN
                        CASE WHEN r_status < 0.57 THEN 'new' WHEN r_status < 0.8 THEN 'contacting'
                             WHEN r_status < 0.89 THEN 'agreed' WHEN r_status < 0.95 THEN 'declined'
                             ELSE 'unreachable' END
                   ELSE CASE WHEN r_status < 0.38 THEN 'revised' WHEN r_status < 0.69 THEN 'replied'
                             ELSE 'closed' END END,
                   (ARRAY['logistics', 'product_service', 'buyer_side', 'unclear'])[1 + g %% 4],
                   'unclear', CASE WHEN r_sev < 0.25 THEN 'serious' ELSE 'minor' END,
                   0.8, '[]', '[]', 'bench', (g %% 20 = 0), 1, now(), now(), %(shop)s, '', '', '',
                   b.lo + (g %% %(buyers)s),
                   CASE WHEN r_assign < 0.9
                        THEN (%(agents)s::bigint[])[1 + g %% array_length(%(agents)s::bigint[], 1)]
                   END
            FROM g, b
            """,
            params,
        )
        # One open agent task per open assigned review (as the planner leaves them), some
        # overdue, the rest due over the next three days.
        cursor.execute(
            """
            INSERT INTO outreach_plannedcontact (
                kind, channel, due_at, state, attempts, needs_lead, body, data, created_at,
                review_id, shop_id, buyer_id, assigned_to_id, fired_at)
            SELECT (ARRAY['first_call', 'revise_followup', 'persistence'])[1 + r.id %% 3],
                   'phone', d.due, CASE WHEN d.due <= now() THEN 'due' ELSE 'planned' END,
                   0, false, '', '{}', now(), r.id, r.shop_id, r.buyer_id, r.assigned_to_id,
                   CASE WHEN d.due <= now() THEN d.due END
            FROM reviews_review r
            CROSS JOIN LATERAL (
                SELECT now() + ((random() * (3 * 24 * 60 + 180) - 180)::int) * interval '1 minute'
                       + r.id * interval '0 second' AS due
            ) d
            WHERE r.shop_id = %(shop)s AND r.assigned_to_id IS NOT NULL
              AND r.status IN ('new', 'contacting', 'agreed', 'declined', 'unreachable')
            """,
            params,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reviews_review")
        cursor.execute("VACUUM ANALYZE outreach_plannedcontact")
        cursor.execute("VACUUM ANALYZE reviews_buyer")
    return shop, users
