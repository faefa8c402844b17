"""Import of a generated 100,000-row GBK CSV (a Taobao export) into the configured database,
end to end in a separate `manage.py import_reviews` process: parsing, buyers, classification
of every neutral/negative review, bulk writes and the hand-off outbox.

Figures: reviews per second (rows of the file / wall time of the process) and the peak RSS
of that process. Half the generated reviews are neutral/negative, so classification runs on
50,000 of them (a real shop's export is mostly positive: this is the harder case).
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

ROWS = 100_000
SLUG = "bench-import"
ROOT = Path(__file__).resolve().parent.parent

PRODUCTS = [
    ("纯棉短袖T恤 男款", 89),
    ("加厚羽绒服 女款", 1299),
    ("智能电饭煲 4L", 499),
    ("空气炸锅 5.5L", 329),
    ("蓝牙耳机 降噪版", 399),
    ("机械键盘 青轴", 259),
    ("坚果礼盒 1.5kg", 158),
    ("运动鞋 跑步款", 459),
    ("儿童保温杯 500ml", 79),
    ("真丝围巾", 688),
    ("电动牙刷", 199),
    ("乳胶枕 泰国进口", 268),
]
NEGATIVE = [
    "快递太慢了，等了{n}天才到",
    "快递员态度很差，不送上楼还骂人",
    "物流显示签收了但我根本没收到",
    "质量太差了，洗了一次就{defect}",
    "收到的时候{part}已经破损了",
    "和描述完全不一样，{part}颜色差很多",
    "发错货了，我要的是{size}码，寄来的是别的",
    "少发了一件，联系客服也不理人",
    "下单{n}天了才发货",
    "客服态度恶劣，问什么都不回",
    "买完第二天就降价了{n}块，保价也不给",
    "用了{n}天就坏了，怀疑是假货",
    "不喜欢，和想象的不一样",
    "拍错了尺码，退换太麻烦",
    "做工粗糙，线头很多，{part}开线了",
    "味道很大，放了{n}天还有味",
    "再也不会买了，要去{where}投诉",
    "包装简陋，{part}压坏了",
]
NEUTRAL = [
    "一般吧，{part}有点瑕疵",
    "还行，就是物流慢了点",
    "凑合能用，性价比一般",
    "尺码偏{size2}，其他还好",
    "颜色和图片有点差别，勉强接受",
    "东西还可以，客服回复慢",
]
POSITIVE = [
    "很好用，推荐购买",
    "质量不错，物流也快",
    "第{n}次回购了，一如既往的好",
    "包装精美，送人很有面子",
    "客服很耐心，解决了我的问题",
    "性价比高，下次还来",
    "穿着很舒服，尺码标准",
    "非常满意，五星好评",
]
FOLLOWUP = [
    "用了一周，问题还是没解决",
    "后来客服联系了我，态度还行",
    "又坏了，彻底失望",
    "追评：还是不太满意",
]
FILL = {
    "defect": ["缩水了", "起球了", "掉色了", "变形了"],
    "part": ["外盒", "袖口", "盖子", "拉链", "屏幕", "鞋底"],
    "size": ["XL", "L", "M", "42", "38"],
    "size2": ["大", "小"],
    "where": ["12315", "平台", "消协"],
}
COURIERS = ["中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "京东物流", "邮政EMS"]
NICKS = [
    "小鱼",
    "星星",
    "阿朵",
    "lucky",
    "吃货",
    "大熊",
    "米粒",
    "清风",
    "周末",
    "jing",
    "tom",
    "猫咪",
    "橙子",
    "可乐",
    "月亮",
    "木木",
]


def _fill(template: str, rnd: random.Random) -> str:
    out = template.replace("{n}", str(rnd.randint(2, 15)))
    for key, choices in FILL.items():
        out = out.replace("{" + key + "}", rnd.choice(choices))
    return out


def generate(path: Path, rows: int = ROWS, seed: int = 7) -> None:
    """A Taobao-style export in GBK: half positive, 15% neutral, 35% negative."""
    rnd = random.Random(seed)
    header = [
        "订单编号",
        "买家昵称",
        "宝贝名称",
        "商家编码",
        "实付金额",
        "评价等级",
        "评价内容",
        "追评内容",
        "评价时间",
        "物流公司",
        "运单号",
        "手机号",
    ]
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(rows):
            product, price = rnd.choice(PRODUCTS)
            roll = rnd.random()
            if roll < 0.5:
                rating, text = "好评", _fill(rnd.choice(POSITIVE), rnd)
            elif roll < 0.65:
                rating, text = "中评", _fill(rnd.choice(NEUTRAL), rnd)
            else:
                rating = "差评"
                text = "，".join(_fill(t, rnd) for t in rnd.sample(NEGATIVE, rnd.randint(1, 2)))
            followup = rnd.choice(FOLLOWUP) if rating != "好评" and rnd.random() < 0.1 else ""
            writer.writerow(
                [
                    f"38{i:014d}",
                    f"{rnd.choice(NICKS)}{rnd.randint(1, 30000)}",
                    product,
                    f"SKU-{rnd.randint(1, 40):03d}",
                    f"￥{price * rnd.choice([1, 1, 2]):,}.00",
                    rating,
                    text,
                    followup,
                    f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} {rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d}",
                    rnd.choice(COURIERS),
                    f"YT{rnd.randint(10**9, 10**10)}",
                    f"13{rnd.randint(100000000, 999999999)}" if rnd.random() < 0.6 else "",
                ]
            )


def _reset_shop(slug: str = SLUG):
    """The bench shop, emptied of what an earlier run stored (bench_connector_pull too)."""
    from reviews.models import Platform, Shop

    shop, _ = Shop.objects.get_or_create(
        slug=slug, defaults={"name": "Bench 旗舰店", "platform": Platform.TAOBAO}
    )
    # Raw deletes: the ORM's cascade would load 100k rows into memory first.
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM reviews_reviewevent WHERE review_id IN (SELECT id FROM reviews_review WHERE shop_id = %s)",
            [shop.id],
        )
        for table in ("reviews_review", "reviews_buyer", "reviews_positivereview"):
            cur.execute(f"DELETE FROM {table} WHERE shop_id = %s", [shop.id])  # noqa: S608 - fixed names
        cur.execute(
            "DELETE FROM reviews_importrowerror WHERE batch_id IN (SELECT id FROM reviews_importbatch WHERE shop_id = %s)",
            [shop.id],
        )
        cur.execute("DELETE FROM reviews_importbatch WHERE shop_id = %s", [shop.id])
    if connection.vendor == "postgresql":
        # Each run deletes 100k rows: vacuum them away (untimed) so runs stay comparable.
        with connection.cursor() as cur:
            for table in (
                "reviews_review",
                "reviews_reviewevent",
                "reviews_buyer",
                "reviews_positivereview",
            ):
                cur.execute(f"VACUUM ANALYZE {table}")
    return shop


def run() -> dict:
    from reviews.models import ImportBatch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "taobao_100k_gbk.csv"
        generate(path)
        _reset_shop()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.bench_settings"
            ),
        }
        out_path, err_path = Path(tmp) / "out.txt", Path(tmp) / "err.txt"
        with out_path.open("w") as out, err_path.open("w") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "import_reviews",
                    "--shop",
                    SLUG,
                    str(path),
                ],
                env=env,
                stdout=out,
                stderr=err,
            )
            # wait4: this child's own peak RSS and CPU (RUSAGE_CHILDREN would mix in every
            # child the bench runner started before).
            _pid, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - started
        stdout, stderr = out_path.read_text(), err_path.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import failed: {stdout}\n{stderr}")
    print("   " + stdout.strip().replace("\n", "\n   ")[:600])
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    cpu_s = usage.ru_utime + usage.ru_stime
    print(
        f"   wall {elapsed:.1f}s, import process CPU {cpu_s:.1f}s (PostgreSQL's own CPU not included)"
    )
    batch = ImportBatch.objects.filter(shop__slug=SLUG).latest("id")
    assert batch.processed_rows == ROWS, batch.processed_rows
    return {
        "import_reviews_per_s": {
            "value": round(ROWS / elapsed),
            "unit": "reviews/s",
            "target": ">= 5000",
        },
        "import_peak_mb": {"value": round(peak_mb, 1), "unit": "MB", "target": "< 300"},
    }
