"""Demo reviews: realistic Chinese neutral/negative shopping reviews from the project's own
phrase banks, with the cause the generator meant (`truth`) so tests can check a classifier.

Pure Python, no ORM. Every phrase pool is built once at import; drawing a review is a couple of
dozen `random()` calls and a few string joins, so benchmarks can draw a million in seconds.
The same seed (and `now`) always yields the same reviews.

The module is long because it is mostly its phrase banks (products, complaints per sub-cause,
tones, couriers): data, read top to bottom, not logic to split.
"""

import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

# The string values of reviews.models.Rating / Cause / Severity (kept literal: no Django here).
NEGATIVE, NEUTRAL = "negative", "neutral"
MINOR, SERIOUS = "minor", "serious"


@dataclass(frozen=True, slots=True)
class Truth:
    """What the generator meant the review to say."""

    cause: str
    subcause: str
    severity: str


@dataclass(slots=True)
class DemoReview:
    platform_review_id: str
    order_id: str
    nick: str
    phone: str
    product_name: str
    sku: str
    amount: Decimal
    rating: str
    text: str
    followup_text: str
    followup_at: datetime | None
    reviewed_at: datetime
    courier: str
    tracking_no: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    category: str
    truth: Truth


# Products: (title, nouns used in texts, SKUs, prices in yuan) per category.

PRODUCTS: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[float, ...]]]] = {
    "clothes": [
        (
            "2024秋季新款纯棉长袖T恤男宽松百搭打底衫",
            ("T恤", "衣服"),
            ("颜色分类:白色;尺码:L", "颜色分类:黑色;尺码:XL", "颜色分类:灰色;尺码:M"),
            (39.9, 49.0, 59.0),
        ),
        (
            "法式碎花连衣裙女夏季收腰显瘦中长款",
            ("裙子", "连衣裙"),
            ("颜色分类:蓝色碎花;尺码:S", "颜色分类:黄色碎花;尺码:M", "颜色分类:白色;尺码:L"),
            (129.0, 159.0, 189.0),
        ),
        (
            "冬季加厚羽绒服女中长款过膝白鸭绒外套",
            ("羽绒服", "外套"),
            ("颜色分类:黑色;尺码:M", "颜色分类:米白;尺码:L", "颜色分类:雾霾蓝;尺码:XL"),
            (399.0, 459.0, 599.0, 699.0),
        ),
        (
            "男士休闲裤春秋直筒宽松运动裤",
            ("裤子",),
            ("颜色分类:深灰;尺码:31", "颜色分类:黑色;尺码:33", "颜色分类:卡其;尺码:30"),
            (69.0, 89.0),
        ),
    ],
    "phone": [
        (
            "【官方正品】5G智能手机 12+256GB 全网通 学生游戏手机",
            ("手机", "新手机"),
            ("颜色:曜石黑;存储容量:12GB+256GB", "颜色:冰川蓝;存储容量:12GB+256GB"),
            (1999.0, 2299.0, 2599.0),
        ),
        (
            "旗舰影像手机 16+512GB 国行全新未激活 官方标配",
            ("手机",),
            ("颜色:钛金属;存储容量:16GB+512GB", "颜色:月光白;存储容量:16GB+1TB"),
            (4299.0, 4999.0, 5999.0, 6999.0),
        ),
    ],
    "accessory": [
        (
            "65W超级快充充电器套装 Type-C数据线1.5米",
            ("充电器", "数据线"),
            ("颜色分类:白色套装", "颜色分类:单充电头"),
            (39.0, 59.0, 79.0),
        ),
        (
            "防摔手机壳全包硅胶保护套 适用新款",
            ("手机壳", "壳"),
            ("颜色分类:透明", "颜色分类:磨砂黑", "颜色分类:奶油白"),
            (15.9, 19.9, 29.9),
        ),
    ],
    "tablet": [
        (
            "11英寸平板电脑 8+128GB WiFi版 网课学习办公",
            ("平板", "平板电脑"),
            ("颜色:深空灰;版本:8GB+128GB", "颜色:银色;版本:8GB+256GB"),
            (1299.0, 1599.0, 1999.0),
        ),
        (
            "12.9英寸Pro平板 16+512GB 2.8K高刷屏 带键盘",
            ("平板", "平板电脑"),
            ("颜色:星光银;版本:16GB+512GB", "套餐:平板+键盘+手写笔"),
            (3499.0, 3999.0, 4599.0),
        ),
    ],
    "computer": [
        (
            "14英寸轻薄笔记本电脑 i5 16G 512G 办公学生本",
            ("笔记本", "电脑"),
            ("颜色:银色;配置:i5/16G/512G", "颜色:深灰;配置:i7/16G/1T"),
            (3699.0, 4299.0, 4999.0),
        ),
        (
            "游戏本 RTX4060 i7 16英寸 2.5K 165Hz电竞屏",
            ("游戏本", "电脑"),
            ("配置:i7/RTX4060/16G/1T", "配置:i9/RTX4070/32G/1T"),
            (6999.0, 7999.0, 8999.0, 10999.0),
        ),
        (
            "27英寸办公家用台式一体机电脑",
            ("一体机", "电脑"),
            ("配置:i5/8G/512G", "配置:i7/16G/1T"),
            (2899.0, 3599.0),
        ),
    ],
    "book": [
        (
            "三体全集（全三册）刘慈欣 科幻小说 正版图书",
            ("书", "这套书"),
            ("版本:典藏版", "版本:平装版"),
            (58.0, 69.9, 99.0),
        ),
        (
            "五年高考三年模拟 高中数学 2025版",
            ("练习册", "书"),
            ("科目:数学", "科目:物理"),
            (39.8, 45.0),
        ),
        (
            "儿童绘本全套10册 3-6岁 睡前故事书",
            ("绘本", "书"),
            ("套装:10册",),
            (59.0, 79.0),
        ),
        (
            "Python编程从入门到实践 第3版",
            ("书",),
            ("版本:第3版",),
            (69.0, 89.9),
        ),
    ],
    "fruit": [
        (
            "赣南脐橙10斤装 当季新鲜橙子 产地直发",
            ("橙子", "脐橙"),
            ("规格:10斤中果", "规格:10斤大果", "规格:5斤尝鲜装"),
            (39.9, 49.9, 59.9),
        ),
        (
            "海南贵妃芒 5斤 大果 新鲜芒果",
            ("芒果",),
            ("规格:5斤大果", "规格:3斤中果"),
            (29.9, 39.9),
        ),
        (
            "烟台红富士苹果 精选大果 10斤礼盒装",
            ("苹果",),
            ("规格:10斤礼盒", "规格:5斤装"),
            (49.9, 69.0),
        ),
        (
            "智利车厘子 JJ级 2斤 冷链直发",
            ("车厘子", "樱桃"),
            ("规格:JJ级2斤", "规格:JJJ级2斤"),
            (89.0, 129.0, 169.0),
        ),
    ],
    "milk": [
        (
            "纯牛奶250ml*24盒 整箱 全脂早餐奶",
            ("牛奶", "奶"),
            ("规格:250ml*24盒", "规格:250ml*12盒*2箱"),
            (49.9, 59.9, 65.0),
        ),
        (
            "婴幼儿配方奶粉3段 800g*2罐",
            ("奶粉",),
            ("规格:3段800g*2罐", "规格:3段800g*6罐"),
            (298.0, 358.0, 419.0),
        ),
        (
            "低温鲜牛奶 950ml*2瓶 冷链配送",
            ("鲜奶", "牛奶"),
            ("规格:950ml*2",),
            (29.9, 35.0),
        ),
    ],
    "shampoo": [
        (
            "控油去屑洗发水 750ml 清爽蓬松 男女通用",
            ("洗发水",),
            ("规格:750ml", "规格:750ml*2瓶"),
            (39.9, 59.0, 69.0),
        ),
        (
            "氨基酸洗发水护发素套装 无硅油",
            ("洗发水", "护发素"),
            ("套装:洗发水+护发素",),
            (89.0, 119.0),
        ),
        (
            "生姜防脱育发洗发液 500ml",
            ("洗发液",),
            ("规格:500ml",),
            (49.0, 79.0),
        ),
    ],
    "water_heater": [
        (
            "电热水器 60升 家用 一级能效 速热储水式",
            ("热水器",),
            ("容量:60L;安装:含基础安装", "容量:80L;安装:含基础安装"),
            (899.0, 1099.0, 1399.0),
        ),
        (
            "燃气热水器 16升 智能恒温 天然气",
            ("热水器",),
            ("规格:16L天然气", "规格:13L天然气"),
            (1599.0, 1999.0, 2599.0),
        ),
        (
            "即热式小厨宝 5.5kW 免储水 厨房热水器",
            ("小厨宝", "热水器"),
            ("功率:5.5kW",),
            (399.0, 499.0, 699.0),
        ),
    ],
}

# Cheap everyday goods dominate; phones, tablets, computers and water heaters make the tail of
# high-value orders (above 500 and 1000 yuan) that the playbook's prevention rule is about.
CATEGORY_WEIGHTS = {
    "clothes": 24,
    "phone": 6,
    "accessory": 6,
    "tablet": 3,
    "computer": 3,
    "book": 11,
    "fruit": 15,
    "milk": 11,
    "shampoo": 11,
    "water_heater": 5,
}

ELECTRONICS = ("phone", "tablet", "computer")
WEAR = ("clothes",)
# Things that break, wear out or have a finish (not food, books or shampoo).
DURABLE = (*WEAR, *ELECTRONICS, "accessory", "water_heater")
# Where a counterfeit is checked at a brand counter.
BRANDED = (*WEAR, *ELECTRONICS, "accessory", "milk", "shampoo")

# What buyers complain about.
# Per sub-cause: (phrase, categories or product nouns it fits, None for any) for each
# severity. "{item}" is the product's noun, "{c}" the courier's name.
Bank = dict[str, list[tuple[str, tuple[str, ...] | None]]]

BANKS: dict[str, Bank] = {
    "courier_speed": {
        MINOR: [
            ("快递太慢了，一个星期才到", None),
            ("物流慢得不行，等了五天", None),
            ("物流信息三天都没更新", None),
            ("{c}太慢了，同一个省都要走四天", None),
            ("说好的次日达，结果第四天才到", None),
            ("包裹在中转站躺了好几天不动", None),
            ("快递龟速，等得花都谢了", None),
            ("到货太慢，{item}都快放软了", ("fruit",)),
            ("冷链太慢，{item}到的时候一点都不凉了", ("milk",)),
            ("物流比别家慢多了", None),
        ],
        SERIOUS: [
            ("等了半个月才到，急用的东西全耽误了", None),
            ("快递慢到离谱，打了三次电话都说在路上", None),
            ("物流十几天不更新，问{c}客服就推来推去，太气人了", None),
            ("{item}在路上走了十天，到手已经烂了一半", ("fruit",)),
        ],
    },
    "courier_attitude": {
        MINOR: [
            ("快递员态度很差，打电话语气很冲", None),
            ("快递员很不耐烦，问两句就挂电话", None),
            ("{c}的快递员说话很难听", None),
            ("派件的小哥一直催我快点下楼，态度不好", None),
            ("快递员东西往地上一扔就走了，招呼都不打", None),
            ("{c}快递员老王每次都不送上楼，放门口就走", None),
        ],
        SERIOUS: [
            ("快递员骂人！我要投诉他", None),
            ("快递员态度极其恶劣，还威胁我，已经打{c}客服投诉了", None),
            ("送货的对我家老人大吼大叫，太过分了", None),
            ("快递员把我电话号码给了别人，还骚扰我，必须给个说法", None),
        ],
    },
    "lost_or_misdelivered": {
        MINOR: [
            ("显示已签收，但我根本没收到", None),
            ("快递送错地址了，跑到隔壁小区才找到", None),
            ("包裹被别人拿走了，物流显示签收", None),
            ("快递放错了快递柜，找了半天", None),
            ("物流显示派送成功，可是家里没人收到", None),
        ],
        SERIOUS: [
            ("快递丢了！钱付了东西没见到，谁来负责", None),
            ("{item}被快递弄丢了，{c}一直踢皮球，我要投诉", None),
            ("几千块的{item}显示签收却没收到，已经报警了", ELECTRONICS + ("water_heater",)),
            ("东西丢了一个多星期没人管，再不处理就找消协", None),
        ],
    },
    "logistics_other": {
        MINOR: [
            ("快递不送货上门，非要我去驿站自取", None),
            ("没送上楼，放在楼下就走了", None),
            ("快递员不让验货，签收了才让拆", None),
            ("送货还要额外收钱，说是上楼费", None),
            ("直接放驿站了，也不打个电话说一声", None),
            ("送到了也不通知，在驿站放了三天才知道", None),
            ("物流单号一直查不到信息", None),
        ],
        SERIOUS: [
            ("不让验货就逼着签收，快递员还说坏了不关他的事", None),
            ("快递员私自收五十块上楼费，这是什么规定？我要投诉", None),
            ("这么大的{item}不送货上门，让我一个人从小区门口搬回家，太离谱了", ("water_heater",)),
        ],
    },
    "quality": {
        MINOR: [
            ("质量一般，用了几天就有问题了", DURABLE),
            ("做工比较粗糙", DURABLE),
            ("{item}质量不太行", None),
            ("用了一个星期就坏了", ELECTRONICS + ("water_heater",)),
            ("洗了一次就起球了", WEAR),
            ("线头很多，做工粗糙", WEAR),
            ("掉色严重，洗一次水都是蓝的", WEAR),
            ("面料很薄，穿着扎人", WEAR),
            ("屏幕有亮点", ELECTRONICS),
            ("电池不耐用，半天就没电了", ("phone", "tablet")),
            ("用着发烫，还卡顿", ELECTRONICS),
            ("风扇声音很大，吵得不行", ("computer",)),
            ("用了几天就接触不良", ("accessory",)),
            ("充电很慢，根本不是快充", ("充电器",)),
            ("用了两个星期就发黄了", ("手机壳",)),
            ("印刷模糊，字都看不清", ("book",)),
            ("纸张很差，一股油墨味", ("book",)),
            ("有好几页是空白的", ("book",)),
            ("{item}不甜，水分也少", ("fruit",)),
            ("好多都是酸的，不好吃", ("fruit",)),
            ("口感不对，有点酸", ("milk",)),
            ("喝着很淡，像兑了水一样", ("milk",)),
            ("洗完头发很干很涩", ("shampoo",)),
            ("用了头皮痒，去屑效果也没有", ("shampoo",)),
            ("加热很慢，要等一个多小时", ("water_heater",)),
            ("水温忽冷忽热的", ("water_heater",)),
        ],
        SERIOUS: [
            ("质量太差了！用两天就坏，完全是垃圾", DURABLE),
            ("质量差到极点，这种东西也敢卖", None),
            ("{item}用了三天就黑屏，开不了机，耽误我工作", ELECTRONICS),
            ("充电的时候{item}烫得不能碰，差点着火，太危险了", ("phone", "tablet")),
            ("{item}充着充着冒烟了，差点把手机烧了", ("充电器",)),
            ("热水器漏电，洗澡的时候被电了一下，这是要出人命的！", ("water_heater",)),
            ("热水器漏水，把楼下都泡了，赔了人家好几千", ("water_heater",)),
            ("孩子喝了{item}拉肚子，你们的奶到底有没有问题", ("milk",)),
            ("喝完上吐下泻，去医院查说是不新鲜", ("milk",)),
            ("吃了{item}全家肚子疼", ("fruit",)),
            ("用了{item}头皮过敏，起了一片红疹，去医院花了好几百", ("shampoo",)),
            ("穿了一天皮肤过敏，一股刺鼻的甲醛味", WEAR),
        ],
    },
    "damaged": {
        MINOR: [
            ("收到的时候盒子压坏了", None),
            ("包装破了，{item}有划痕", DURABLE),
            ("包装破了，{item}洒出来不少", ("shampoo", "milk")),
            ("外箱破损，里面的东西也磕了", None),
            ("有好几个{item}压烂了", ("fruit",)),
            ("坏了三四个，只能扔掉", ("fruit",)),
            ("有两盒漏了，箱子都湿了", ("milk",)),
            ("书角都折了，封面还有污渍", ("book",)),
            ("屏幕有划痕，像被摔过", ELECTRONICS),
            ("外壳磕掉了一块漆", ELECTRONICS + ("water_heater",)),
            ("瓶子漏了，洒了一箱子", ("shampoo",)),
            ("衣服上有一块污渍，还有个小洞", WEAR),
        ],
        SERIOUS: [
            ("收到就是碎的，这么贵的东西包装就一层塑料袋", (*ELECTRONICS, "water_heater")),
            ("屏幕碎了！几千块的{item}就这样，拒收了还不给退", ELECTRONICS),
            ("热水器摔变形了，根本没法装，师傅白跑一趟", ("water_heater",)),
            ("一箱{item}烂了一半，全是汁水，太恶心了", ("fruit",)),
            ("好几盒牛奶胀包了，谁还敢给孩子喝", ("milk",)),
        ],
    },
    "not_as_described": {
        MINOR: [
            ("和图片差别很大", None),
            ("颜色和图片不一样，色差严重", None),
            ("实物比描述的小很多", None),
            ("{item}和详情页写的不一样", None),
            ("描述说是纯棉，摸着像化纤", WEAR),
            ("尺码和描述的对不上，标的L穿着像M", WEAR),
            ("版本和描述的不一样，不是最新版", ("book",)),
            ("说是大果，收到全是小果", ("fruit",)),
            ("容量写的750ml，看着没那么多", ("shampoo",)),
            ("说是一级能效，铭牌上写的二级", ("water_heater",)),
            ("说是65W快充，实测只有18W", ("充电器",)),
        ],
        SERIOUS: [
            ("假货！和专柜的完全不一样，骗子店家", BRANDED),
            ("卖假货，拿去专柜验了不是正品", BRANDED),
            ("挂羊头卖狗肉，实物和图片完全两码事，要求假一赔三", None),
            ("说是全新国行，收到是翻新机，激活时间都是去年的，欺诈！", ("phone", "tablet")),
            ("标的i7实际是i5，拿消费者当傻子", ("computer",)),
            ("盗版书，字都是歪的，还敢说正版", ("book",)),
            ("说是正宗产地{item}，根本不是那个味，冒充的", ("fruit",)),
            ("这是假的{item}吧，和超市买的味道完全不一样，生产日期也对不上", ("milk", "shampoo")),
        ],
    },
    "wrong_or_missing_item": {
        MINOR: [
            ("发错颜色了，我要的是黑色", DURABLE),
            ("发成了低脂的，我拍的是全脂", ("milk",)),
            ("拍的大果发来的是小果", ("fruit",)),
            ("少发了一件", None),
            ("说好的赠品没有", None),
            ("发票没给", None),
            ("尺码发错了，拍的L发了M", WEAR),
            ("配件不全，少了充电头", ELECTRONICS),
            ("套装里的数据线没给", ("充电器",)),
            ("说是一套，少了一本", ("book",)),
            ("称了一下少了两斤", ("fruit",)),
            ("少了两盒", ("milk",)),
            ("套装少发了护发素", ("shampoo",)),
            ("安装配件少了，师傅没法装", ("water_heater",)),
        ],
        SERIOUS: [
            ("发错货还让我自己出运费退，什么道理", None),
            ("打开盒子里面是空的！", None),
            ("买的16G发来8G，差价好几百，这不是欺骗吗", ELECTRONICS),
        ],
    },
    "shipping_delay": {
        MINOR: [
            ("下单三天了才发货", None),
            ("说好48小时发货，拖了一个星期", None),
            ("付款后迟迟不发货", None),
            ("预售也没说要等这么久", None),
            ("催了好几次才发货", None),
            ("发货太慢了，别家第二天就到了", None),
        ],
        SERIOUS: [
            ("拖了半个月才发，问就说缺货，早说缺货我就不买了", None),
            ("说好当天发，结果一周没动静，送人的生日礼物都错过了", None),
            ("一直不发货也不退款，钱就这么压着，太坑了", None),
        ],
    },
    "customer_service": {
        MINOR: [
            ("客服回复太慢，问了半天才回", None),
            ("客服不理人", None),
            ("问问题爱答不理的", None),
            ("售后一直推脱", None),
            ("客服答非所问，跟机器人一样", None),
            ("找客服退换货流程特别麻烦", None),
            ("客服小美回复很敷衍，问三遍才回一句", None),
            ("23号客服答非所问，问什么都是复制粘贴", None),
        ],
        SERIOUS: [
            ("客服态度极差，还骂人，这是什么店", None),
            ("售后不给退换，说拆封了就不能退，我要去平台投诉", None),
            ("有问题找客服一直已读不回，维权无门", None),
            ("客服说好退款，三天了钱都没到，骗子", None),
        ],
    },
    "price": {
        MINOR: [
            ("价格偏贵，不值这个价", None),
            ("买完第二天就降价，找客服保价不给", None),
            ("说好的满减没给减", None),
            ("性价比太低了", None),
            ("领了券结算的时候用不了", None),
        ],
        SERIOUS: [
            ("承诺保价30天，降价了申请保价客服就装死，欺骗消费者", None),
            ("先涨价再打折，价格欺诈，我要举报", None),
            ("直播间说好的赠品和返现都不认了，骗人", None),
        ],
    },
    "product_service_other": {
        MINOR: [
            ("包装太简陋了，送人拿不出手", None),
            ("没有中文说明书，看不懂怎么用", None),
            ("发票一直不开，催了好几次", None),
            ("安装师傅迟到了两个小时", ("water_heater",)),
            ("预约安装一直排不上", ("water_heater",)),
        ],
        SERIOUS: [
            ("安装师傅乱收费，多要了三百块材料费，商家不管", ("water_heater",)),
            ("开的发票是假的，税务查不到，商家还不承认", None),
        ],
    },
    "dislike_or_expectation": {
        MINOR: [
            ("不太喜欢这个颜色", DURABLE),
            ("和想象的不一样", None),
            ("没有想象中好用", None),
            ("一般般吧，不是我喜欢的风格", None),
            ("{item}味道我不喜欢", ("milk", "shampoo", "fruit")),
            ("穿上不好看，显胖", WEAR),
            ("书的内容很无聊，看不下去", ("book",)),
            ("太甜了，不适合我", ("fruit",)),
            ("系统用不习惯", ELECTRONICS),
            ("比我预期的差一点", None),
        ],
        SERIOUS: [
            ("难看死了，完全不是我要的感觉，白花钱", (*WEAR, "accessory")),
        ],
    },
    "ordered_wrong": {
        MINOR: [
            ("自己拍错尺码了，穿不上", WEAR),
            ("买错型号了，和我的手机不配", ("手机壳",)),
            ("拍错颜色了", DURABLE),
            ("买错接口了，和我的手机用不了", ("充电器",)),
            ("没看清规格，买成小的了", None),
            ("本来想买电子版的，拍错了", ("book",)),
            ("买成了燃气的，我家没有天然气", ("water_heater",)),
            ("下单的时候选错了款式", None),
        ],
        SERIOUS: [],
    },
    "misoperation": {
        MINOR: [
            ("点错了，本来想给好评的", None),
            ("手滑点成差评了，东西其实不错", None),
            ("不小心点了中评，商品挺好的", None),
            ("评价点错了，不好意思", None),
            ("误操作，应该是五星", None),
        ],
        SERIOUS: [],
    },
    "price_regret": {
        MINOR: [
            ("刚买完就降价了，有点亏", None),
            ("买贵了，双十一便宜了一百多", None),
            ("别家便宜二十块", None),
            ("第二天直播间更便宜", None),
            ("早知道等活动再买了", None),
        ],
        SERIOUS: [
            ("刚买就降价两百，感觉被当成冤大头，心里很不爽", None),
        ],
    },
    "malicious": {
        MINOR: [
            ("想要好评的话返个红包吧", None),
            ("返现五块我就改好评", None),
        ],
        SERIOUS: [
            ("不给我返五十块钱这差评我是不会改的", None),
            ("赔我两百，不然天天给你们差评", None),
            ("加我微信转一百，我就改好评，不然等着瞧", None),
            ("我是职业打假的，不赔钱就去工商举报你们", None),
            ("这家店就是垃圾，大家都别买，去隔壁那家", None),
            ("退一半钱我就删差评，不然我找人一起刷差评", None),
        ],
    },
    "buyer_side_other": {
        MINOR: [
            ("买来送人的，对方说不需要了", None),
            ("家里已经有一个了，重复买了", None),
            ("用不上了，放着也浪费", None),
            ("改主意了，不想要了", None),
            ("家里人不让买，只能退了", None),
        ],
        SERIOUS: [],
    },
    "unclear": {
        MINOR: [
            ("差评", None),
            ("不好", None),
            ("一般", None),
            ("呵呵", None),
            ("不推荐", None),
            ("就那样吧", None),
            ("不满意", None),
            ("。。。", None),
            ("自己体会", None),
            ("还行吧", None),
            ("无语", None),
        ],
        SERIOUS: [
            ("垃圾！！！", None),
            ("什么玩意儿，坑人", None),
            ("千万不要买！！！", None),
        ],
    },
}

# (cause, sub-cause, weight, share of serious reviews)
TAXONOMY: list[tuple[str, str, float, float]] = [
    ("logistics", "courier_speed", 9.0, 0.2),
    ("logistics", "courier_attitude", 5.0, 0.35),
    ("logistics", "lost_or_misdelivered", 4.5, 0.5),
    ("logistics", "logistics_other", 3.5, 0.15),
    ("product_service", "quality", 15.0, 0.35),
    ("product_service", "damaged", 6.0, 0.3),
    ("product_service", "not_as_described", 8.0, 0.55),
    ("product_service", "wrong_or_missing_item", 5.0, 0.2),
    ("product_service", "shipping_delay", 5.0, 0.2),
    ("product_service", "customer_service", 6.0, 0.35),
    ("product_service", "price", 3.0, 0.3),
    ("product_service", "product_service_other", 2.5, 0.2),
    ("buyer_side", "dislike_or_expectation", 7.0, 0.05),
    ("buyer_side", "ordered_wrong", 3.0, 0.0),
    ("buyer_side", "misoperation", 3.0, 0.0),
    ("buyer_side", "price_regret", 3.0, 0.1),
    ("buyer_side", "malicious", 2.5, 0.85),
    ("buyer_side", "buyer_side_other", 2.0, 0.0),
    ("unclear", "unclear", 6.0, 0.1),
]

OPENERS = (
    "收到了，",
    "第二次在这家买了，",
    "用了几天才来评价，",
    "刚拆开，",
    "老顾客了，这次",
    "说实话，",
    "怎么说呢，",
    "买给爸妈的，",
)
SUBCAUSES_PRAISING_LOGISTICS = (
    "quality",
    "not_as_described",
    "wrong_or_missing_item",
    "customer_service",
    "price",
    "product_service_other",
)
# Contrast: praise for one side, then the complaint (物流很快，但是质量太差).
PRAISE_LOGISTICS = (
    "物流很快，但是",
    "快递小哥很给力，可惜",
    "发货速度还可以，就是",
    "包装挺好的，但",
    "第二天就到了，但是",
)
# Not before a complaint about shipping or packaging itself: that would contradict the praise.
PRAISABLE = frozenset(SUBCAUSES_PRAISING_LOGISTICS)
PRAISE_PRODUCT = ("东西还行，就是", "{item}本身没问题，但是", "商品挺好，可惜", "质量还可以，就是")
MINOR_TAILS = (
    "希望商家改进",
    "有点失望",
    "给个中评吧",
    "凑合用吧",
    "下次再看看",
    "希望下次注意",
    "就这样吧",
    "将就着用",
    "体验一般",
)
SERIOUS_TAILS = (
    "气死我了！",
    "再也不会来这家买了！",
    "我要去315投诉！",
    "已经向平台投诉了。",
    "不给说法就维权到底！",
    "大家千万别买！",
    "骗子店家！",
    "要求退一赔三！",
    "已经打了12315。",
    "消协见！",
    "太坑了，必须差评！",
)
FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "logistics": (
        "追评：后来快递公司打电话道歉了，但体验还是很差",
        "追加一下，投诉{c}到现在都没回复",
        "后来在驿站找到了，白白耽误了三天",
        "追评：下次不会选这个快递了",
    ),
    "product_service": (
        "用了一个星期，问题更严重了",
        "追评：联系了客服，说给换一个，等着看吧",
        "退货了，运费还是自己出的",
        "商家补发了，态度还可以",
        "追评：还是不行，已经申请退款",
        "追评：商家到现在都没人联系我",
    ),
    "buyer_side": (
        "后来想想也不全是商家的问题",
        "追评：换了一个之后好多了",
        "商家联系了我，挺客气的",
        "过了几天再看，也就那样",
    ),
    "unclear": ("过了一段时间再来看，还是一样", "追评：没什么好说的"),
}
SERIOUS_FOLLOWUPS = (
    "追评：平台已经介入了",
    "追评：已经向12315投诉，等结果",
    "追评：到现在都没解决，我会一直投诉下去",
)
# Couriers and tracking numbers.
COURIERS = ("顺丰", "中通", "圆通", "韵达", "申通", "极兔", "京东物流", "EMS", "邮政")
COURIER_WEIGHTS = (10, 20, 18, 15, 10, 12, 6, 4, 5)
# Expensive goods mostly travel by 顺丰 or 京东物流.
VALUABLE_COURIER_WEIGHTS = (45, 8, 6, 5, 3, 3, 25, 3, 2)
# (prefix, digits) of each courier's waybill numbers.
TRACKING_FORMATS = {
    "顺丰": ("SF", 13),
    "中通": ("78", 12),
    "圆通": ("YT", 13),
    "韵达": ("43", 13),
    "申通": ("77", 13),
    "极兔": ("JT", 13),
    "京东物流": ("JDVA", 11),
    "EMS": ("E", 11),
    "邮政": ("98", 11),
}

# Buyers.
PHONE_PREFIXES = tuple(
    str(p)
    for p in (
        *range(130, 140),
        145,
        147,
        *range(150, 154),
        *range(155, 160),
        166,
        172,
        173,
        175,
        176,
        177,
        178,
        *range(180, 190),
        191,
        193,
        195,
        196,
        197,
        198,
        199,
    )
)
NICK_NAMES = (
    "小鱼儿",
    "阿狸",
    "糖糖",
    "木子李",
    "大白",
    "小胖",
    "七七",
    "橙子",
    "晴天",
    "阿杰",
    "老王",
    "果果",
    "喵小姐",
    "兔兔",
    "小熊",
    "阿宝",
    "可乐",
    "豆豆",
    "小迷糊",
    "安然",
    "欢欢",
    "阳光男孩",
    "花花",
    "星星",
    "小雨",
    "一一",
    "叮当",
    "小丸子",
    "浅笑",
    "夏天",
)
NICK_ADJECTIVES = (
    "快乐的",
    "忧伤的",
    "会飞的",
    "爱笑的",
    "安静的",
    "奔跑的",
    "贪吃的",
    "迷路的",
    "勇敢的",
    "害羞的",
    "睡不醒的",
    "发呆的",
    "暴躁的",
    "温柔的",
    "孤独的",
)
NICK_NOUNS = (
    "土豆",
    "西瓜",
    "鱼",
    "猫咪",
    "蜗牛",
    "小熊",
    "番茄",
    "馒头",
    "企鹅",
    "兔子",
    "橘子",
    "包子",
    "仙人掌",
    "小狗",
    "月亮",
    "蘑菇",
)
NICK_LATIN = (
    "lily",
    "jerry",
    "tony",
    "amy",
    "kevin",
    "coco",
    "sunny",
    "jack",
    "vivian",
    "leo",
    "momo",
    "eric",
    "nana",
    "tom",
    "grace",
)
SURNAMES_PINYIN = (
    "chen",
    "wang",
    "li",
    "zhang",
    "liu",
    "yang",
    "huang",
    "zhao",
    "wu",
    "zhou",
    "xu",
    "sun",
)

# Ages: minutes-old reviews to historical ones (>1 month, >6 months; seed 000 四.2)
MINUTE, HOUR, DAY = 60, 3600, 86400
AGE_BUCKETS = (  # (weight, youngest, oldest) in seconds
    (12, 2 * MINUTE, HOUR),
    (23, HOUR, DAY),
    (25, DAY, 7 * DAY),
    (18, 7 * DAY, 30 * DAY),
    (13, 30 * DAY, 180 * DAY),
    (9, 180 * DAY, 240 * DAY),
)

# Traditional characters.
# Phrases first (where one simplified character has several traditional ones), then a
# character table covering the phrase banks.
_TRAD_PHRASES = (
    ("头发", "頭髮"),
    ("洗发", "洗髮"),
    ("护发", "護髮"),
    ("育发", "育髮"),
    ("后来", "後來"),
    ("以后", "以後"),
    ("回复", "回覆"),
    ("重复", "重複"),
    ("干什么", "幹什麼"),
    ("一只", "一隻"),
    ("台式", "桌上型"),
    ("里面", "裡面"),
)
_TRAD_SIMPLIFIED = (
    "万专业东丢两严个丰举么乐习书买乱亏产从们价会伤体储儿兑关内册写冲决减凑几划刘刚删别办务动区医协单卖却压厨双发变号后吗听员国图圆坏块声壳处复头"
    "妈婴学宝实宽对将尝层属岁师带干应开张当忧态恒恶惯戏扰护报拟挂损换据数无时显机权来杰极柜标样楼樱欢气没泻洒浅涨涩渍温游湿满点烂烟烦烫热爱独猫现"
    "电畅痒盗盘码础礼离种称税竞笔签简类红纤约级纯纸线练经绒结绘给统维编网职联肤胀胁胶脐脑脱舰苹荐蓝蜗补装裤见规觉认让记评诈诉话该详语误说请诺读课"
    "谁谢谱贝负责货质贪购贵费赔赠赣践车转软轻较达过运还这进连迟适选递邮里钛钱铭银链错键长门问闲间闻阳际险难雾静韵页顺须顾顿预领题颜额风飞馒驿骂验"
    "骗骚鱼鲜鸭鹅黄龟"
)
_TRAD_TRADITIONAL = (
    "萬專業東丟兩嚴個豐舉麼樂習書買亂虧產從們價會傷體儲兒兌關內冊寫衝決減湊幾劃劉剛刪別辦務動區醫協單賣卻壓廚雙發變號後嗎聽員國圖圓壞塊聲殼處復頭"
    "媽嬰學寶實寬對將嘗層屬歲師帶乾應開張當憂態恆惡慣戲擾護報擬掛損換據數無時顯機權來傑極櫃標樣樓櫻歡氣沒瀉灑淺漲澀漬溫遊濕滿點爛煙煩燙熱愛獨貓現"
    "電暢癢盜盤碼礎禮離種稱稅競筆簽簡類紅纖約級純紙線練經絨結繪給統維編網職聯膚脹脅膠臍腦脫艦蘋薦藍蝸補裝褲見規覺認讓記評詐訴話該詳語誤說請諾讀課"
    "誰謝譜貝負責貨質貪購貴費賠贈贛踐車轉軟輕較達過運還這進連遲適選遞郵裡鈦錢銘銀鏈錯鍵長門問閒間聞陽際險難霧靜韻頁順須顧頓預領題顏額風飛饅驛罵驗"
    "騙騷魚鮮鴨鵝黃龜"
)
_TRAD_TABLE = str.maketrans(_TRAD_SIMPLIFIED, _TRAD_TRADITIONAL)


def to_traditional(text: str) -> str:
    for simplified, traditional in _TRAD_PHRASES:
        if simplified in text:
            text = text.replace(simplified, traditional)
    return text.translate(_TRAD_TABLE)


# Precomputed pools.


def _cumulative(weights) -> tuple[list[float], float]:
    total, cum = 0.0, []
    for weight in weights:
        total += weight
        cum.append(total)
    return cum, total


def _phrases(subcause: str, severity: str, category: str, nouns: tuple[str, ...]) -> list[str]:
    out = []
    for phrase, categories in BANKS[subcause][severity]:
        if categories is None or category in categories or nouns[0] in categories:
            out.extend(phrase.replace("{item}", noun) for noun in nouns)
    return sorted(set(out))  # sorted: pools (and so the seeded draws) never depend on hashing


_CATEGORIES = list(CATEGORY_WEIGHTS)
_CATEGORY_CUM, _CATEGORY_TOTAL = _cumulative(CATEGORY_WEIGHTS.values())
_TAXONOMY_CUM, _TAXONOMY_TOTAL = _cumulative(w for _, _, w, _ in TAXONOMY)
_TRUTHS = [
    (Truth(cause, sub, MINOR), Truth(cause, sub, SERIOUS), serious_share)
    for cause, sub, _, serious_share in TAXONOMY
]
_COURIER_CUM, _COURIER_TOTAL = _cumulative(COURIER_WEIGHTS)
_VALUABLE_CUM, _VALUABLE_TOTAL = _cumulative(VALUABLE_COURIER_WEIGHTS)
_AGE_CUM, _AGE_TOTAL = _cumulative(w for w, _, _ in AGE_BUCKETS)
_AGE_RANGES = [(lo, hi - lo) for _, lo, hi in AGE_BUCKETS]
_CAUSE_INDEX = {cause: i for i, cause in enumerate(FOLLOWUPS)}
_FOLLOWUPS = [list(texts) for texts in FOLLOWUPS.values()]


@dataclass(slots=True)
class _Product:
    category: str
    title: str
    skus: tuple[str, ...]
    amounts: tuple[Decimal, ...]
    valuable: bool
    # [sub-cause index][0 minor / 1 serious] -> phrases
    pools: list[tuple[list[str], list[str]]]
    praise_product: tuple[str, ...]


def _amounts(prices: tuple[float, ...]) -> tuple[Decimal, ...]:
    """List prices, the same after a shop coupon, and two of a cheap item."""
    amounts = set()
    for price in prices:
        amounts.add(price)
        if price > 60:
            amounts.add(price - (5 if price < 300 else 50 if price < 3000 else 200))
        if price < 100:
            amounts.add(price * 2)
    return tuple(Decimal(f"{a:.2f}") for a in sorted(amounts))


def _build_products() -> list[list[_Product]]:
    by_category = []
    for category in _CATEGORIES:
        products = []
        for title, nouns, skus, prices in PRODUCTS[category]:
            pools = []
            for _, subcause, _, _ in TAXONOMY:
                minor = _phrases(subcause, MINOR, category, nouns)
                assert minor, f"no {subcause} phrase fits {title}"
                # Sub-causes without angry phrases of their own get angry tails instead.
                serious = _phrases(subcause, SERIOUS, category, nouns) or minor
                pools.append((minor, serious))
            praise = tuple(p.replace("{item}", nouns[0]) for p in PRAISE_PRODUCT)
            amounts = _amounts(prices)
            products.append(
                _Product(category, title, skus, amounts, max(prices) >= 1000, pools, praise)
            )
        by_category.append(products)
    return by_category


_PRODUCTS = _build_products()


def _nick(rnd, getrandbits) -> str:
    style = rnd()
    if style < 0.3:
        year = 1980 + int(rnd() * 45)
        return NICK_NAMES[int(rnd() * len(NICK_NAMES))] + str(year)
    if style < 0.5:
        return f"tb_{1_000_000 + getrandbits(24) % 9_000_000}"
    if style < 0.7:
        nick = (
            NICK_ADJECTIVES[int(rnd() * len(NICK_ADJECTIVES))]
            + NICK_NOUNS[int(rnd() * len(NICK_NOUNS))]
        )
        return nick if rnd() < 0.6 else nick + str(getrandbits(10) % 1000)
    if style < 0.85:
        latin = NICK_LATIN[int(rnd() * len(NICK_LATIN))]
        return f"{latin}_{SURNAMES_PINYIN[int(rnd() * len(SURNAMES_PINYIN))]}{getrandbits(7) % 100}"
    if style < 0.95:
        return NICK_NAMES[int(rnd() * len(NICK_NAMES))] + "_" + str(getrandbits(10) % 1000)
    return f"tb{100_000_000 + getrandbits(30) % 900_000_000}"


def generate_reviews(n: int, *, seed: int = 0, now: datetime | None = None) -> Iterator[DemoReview]:
    """`n` neutral/negative reviews, reviewed between a few minutes and 8 months before `now`.

    Deterministic for a given `seed` and `now`; the ids, texts and orders do not depend on
    `now` at all, so a later run with the same seed yields the same reviews (seed_demo's
    idempotency relies on it).
    """
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    rng = random.Random(seed)
    rnd, getrandbits = rng.random, rng.getrandbits
    review_id = 1_100_000_000_000 + getrandbits(32)

    for _ in range(n):
        review_id += 1 + getrandbits(8)
        products = _PRODUCTS[bisect(_CATEGORY_CUM, rnd() * _CATEGORY_TOTAL)]
        product = products[int(rnd() * len(products))]
        t = bisect(_TAXONOMY_CUM, rnd() * _TAXONOMY_TOTAL)
        minor_truth, serious_truth, serious_share = _TRUTHS[t]
        serious = rnd() < serious_share
        truth = serious_truth if serious else minor_truth
        cause = truth.cause
        pool = product.pools[t][serious]

        # The text: [opener][praise, but ]complaint[，second complaint][，tail]
        text = pool[int(rnd() * len(pool))]
        if rnd() < 0.25 and len(pool) > 1:
            other = pool[int(rnd() * len(pool))]
            if other != text:
                text += "，" + other
        contrast = rnd()
        if contrast < 0.2 and truth.subcause in PRAISABLE:
            text = PRAISE_LOGISTICS[int(rnd() * len(PRAISE_LOGISTICS))] + text
        elif contrast < 0.3 and cause == "logistics":
            text = product.praise_product[int(rnd() * len(product.praise_product))] + text
        elif contrast > 0.85 and cause != "unclear":
            text = OPENERS[int(rnd() * len(OPENERS))] + text
        if serious:
            if rnd() < 0.6 or pool is product.pools[t][0]:
                tail = SERIOUS_TAILS[int(rnd() * len(SERIOUS_TAILS))]
                text = text.rstrip("！!。") + "，" + tail
            elif text[-1] not in "！!。？":
                text += "！"
        elif cause != "unclear" and truth.subcause != "misoperation" and rnd() < 0.35:
            text += "，" + MINOR_TAILS[int(rnd() * len(MINOR_TAILS))] + "。"
        elif text[-1] not in "！!。？" and rnd() < 0.5:
            text += "。"

        if product.valuable and rnd() < 0.7:
            courier = COURIERS[bisect(_VALUABLE_CUM, rnd() * _VALUABLE_TOTAL)]
        else:
            courier = COURIERS[bisect(_COURIER_CUM, rnd() * _COURIER_TOTAL)]
        if "{c}" in text:
            text = text.replace("{c}", courier)
        prefix, digits = TRACKING_FORMATS[courier]
        tracking_no = f"{prefix}{getrandbits(48) % 10**digits:0{digits}d}"
        if courier == "EMS":
            tracking_no += "CN"

        bucket = bisect(_AGE_CUM, rnd() * _AGE_TOTAL)
        youngest, span = _AGE_RANGES[bucket]
        age = youngest + int(rnd() * span)
        reviewed_at = now - timedelta(seconds=age)
        delivered_at = reviewed_at - timedelta(seconds=600 + int(rnd() * 4 * DAY))
        transit = (4 + rnd() * 8) if truth.subcause == "courier_speed" else (0.6 + rnd() * 3)
        shipped_at = delivered_at - timedelta(seconds=int(transit * DAY))
        if truth.subcause == "lost_or_misdelivered" and rnd() < 0.4:
            delivered_at = None  # never arrived

        followup_text, followup_at = "", None
        if age > DAY and rnd() < 0.15:
            if serious and rnd() < 0.5:
                followup_text = SERIOUS_FOLLOWUPS[int(rnd() * len(SERIOUS_FOLLOWUPS))]
            else:
                texts = _FOLLOWUPS[_CAUSE_INDEX[cause]]
                followup_text = texts[int(rnd() * len(texts))]
            if "{c}" in followup_text:
                followup_text = followup_text.replace("{c}", courier)
            followup_at = reviewed_at + timedelta(seconds=int(rnd() * min(age, 15 * DAY)))

        # Buyers from Taiwan and Hong Kong write in traditional characters.
        if rnd() < 0.06:
            text = to_traditional(text)
            followup_text = to_traditional(followup_text)

        if serious:
            rating = NEUTRAL if rnd() < 0.04 else NEGATIVE
        else:
            rating = NEUTRAL if rnd() < 0.4 else NEGATIVE

        yield DemoReview(
            platform_review_id=str(review_id),
            order_id=str(1_800_000_000_000_000_000 + getrandbits(60)),
            nick=_nick(rnd, getrandbits),
            phone=PHONE_PREFIXES[int(rnd() * len(PHONE_PREFIXES))]
            + f"{getrandbits(27) % 100_000_000:08d}",
            product_name=product.title,
            sku=product.skus[int(rnd() * len(product.skus))],
            amount=product.amounts[int(rnd() * len(product.amounts))],
            rating=rating,
            text=text,
            followup_text=followup_text,
            followup_at=followup_at,
            reviewed_at=reviewed_at,
            courier=courier,
            tracking_no=tracking_no,
            shipped_at=shipped_at,
            delivered_at=delivered_at,
            category=product.category,
            truth=truth,
        )
