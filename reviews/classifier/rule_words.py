"""The words the rules look up beside the lexicon: what may stand between a negator and its
word, what makes a weight or a size a complaint, which phrases wave a complaint aside.

Kept apart from `lexicon.py` because these are the rules' own tests (how a clause is read),
not what the domain words mean, and apart from `rules.py` so the steps of `analyse` read
without two hundred lines of word lists before them.
"""

import re

from .lexicon import (
    CLAIMS,
    CONTRAST,
    EXPECTATION,
    NEGATORS,
    PUNCT,
    SUBJECTS,
)

# Words between a negator and what it negates: 不是很好, 不太满意, 并不是质量问题.
NEGATION_GAP = frozenset(
    [
        "是",
        "太",
        "很",
        "算",
        "那么",
        "怎么",
        "会",
        "够",
        "大",
        "十分",
        "非常",
        "给",
        "给我",
        "我",
        "都",
        "能",
        "有",
    ]
)
# The lexicon's negators and the hedged ones: 不太满意, 不怎么样, 不够好, 不像.
NEGATORS_WIDE = NEGATORS | {"不太", "不怎么", "不够", "不算太", "不像"}
PRICE_HIGH = frozenset(
    ["高", "太高", "偏高", "贵", "太贵", "偏贵", "不值", "不值得", "虚高", "不便宜"]
)
NUMBERS = frozenset("一二两三四五六七八九十几半")
DAY_UNITS = frozenset(["天", "天才", "日", "周", "星期", "个星期", "个月", "月", "礼拜", "个礼拜"])
DEVICE_SPEED = frozenset(
    [
        "运行",
        "开机",
        "反应",
        "网",
        "网络",
        "充电",
        "处理",
        "读取",
        "传输",
        "下载",
        "上网",
        "打开",
        "启动",
    ]
)
SENT_OTHER = re.compile(
    r"(我要的|我买的|我拍的|我订的|买的是|要的是|拍的是|订的是|点的是|选的是|下单的是|要的|拍的)"
    r".{0,12}(发|给我|送|寄)"
)
CONCEDED = frozenset(["不说了", "就不说了", "不说", "算了", "就算了", "也就算了", "先不说", "不提"])
DELIVER_VERBS = frozenset(["送货", "派送", "配送", "送货上门", "投递", "送", "送上门", "上门"])
ON_TIME = frozenset(["时间", "按时", "准时", "及时", "约定", "预约", "预定", "承诺"])
CARRIED = frozenset(["logi", "cs"])
NOT_RECEIVED = frozenset(["没收到", "未收到", "收不到", "没到", "还没到"])
ARRIVAL_NEGATED = NOT_RECEIVED | frozenset(
    ["收到", "到货", "送到", "送过来", "送来", "到", "收货", "送达"]
)
MISSING_THINGS = frozenset(["赠品", "发票", "配件", "礼品", "说明书", "充电器", "耳机", "数据线"])
PRICE_PROMISE = frozenset(
    [
        "保价",
        "价保",
        "价格保护",
        "退差价",
        "差价",
        "不给退",
        "不退",
        "承诺",
        "不肯",
        "退钱",
        "不支持",
    ]
)
TASTE_GOOD = frozenset(["必要", "喜欢", "实用", "帮助", "有用", "好看", "精彩", "有趣", "吸引人"])
CONTENT_CONVERTIBLE = frozenset(["not_as_described", "quality"])
PHYSICAL = frozenset(
    ["纸张", "纸质", "印刷", "装订", "缺页", "错字", "盗版", "模糊", "破", "破损", "字迹"]
)
GENUINE = frozenset(["正品", "原装", "正版", "全新"])
ABSENT = frozenset(
    ["没有", "没", "无", "不见", "缺", "少", "少了", "缺少", "连", "都没有", "也没有", "什么"]
)
SHIP_VERBS = frozenset(["发货", "出货", "备货", "发出", "发"])
# What the listing or the seller said: "different from what I imagined" is the buyer's own
# expectation unless the review also points at what the seller claimed.
LISTING = frozenset(CLAIMS.split()) | frozenset(
    [
        "宣传",
        "虚假宣传",
        "实物",
        "实物图",
        "卖家",
        "店家",
        "商家",
        "详情页",
        "广告",
        "模特",
        "买家秀",
    ]
)
# 质量没问题, 东西本身没毛病, 也没坏, 不是质量问题: the buyer says nothing is wrong with it.
NO_DEFECT = frozenset(["问题", "毛病", "坏", "质量问题", "瑕疵", "缺点"])
NO_DEFECT_NEG = frozenset(
    ["没", "没有", "没什么", "不是", "无", "挑不出", "没啥", "并非", "说不上", "谈不上"]
)
NO_DEFECT_GAP = frozenset(["什么", "任何", "啥", "有", "太大", "大", "质量"])
DEFECTS = frozenset(["quality", "damaged"])
KEEP_ON = frozenset(["一直", "天天", "继续", "永远", "都来", "每天"])
UNLESS = frozenset(["不然", "否则", "要么", "除非"])
CLAIM_WORDS = frozenset(CLAIMS.split()) - EXPECTATION
SENT_HEADS = frozenset(["要", "买", "拍", "订", "点", "选", "下单", "我要", "买的是"])
LACKS = frozenset(["没有", "没", "不支持", "不带", "不能", "无", "不能插", "缺少"])
PROMISED = frozenset(["说好的", "说好", "承诺", "说了", "答应"])
GIFT_VERBS = frozenset(["送", "赠", "赠送", "送的"])
PAGES_MISSING = frozenset(["缺", "缺了", "少", "少了", "掉", "掉了", "没有"])
PROMISE = frozenset(["保价", "价保", "价格保护", "返现", "优惠券", "满减", "承诺", "说好的"])
# 不小心点了差评, 手抖评成中评: a rating the buyer did not mean.
SLIP = frozenset(["不小心", "手抖", "手滑", "误点", "点错", "评错", "误操作"])
RATING = frozenset(
    ["差评", "中评", "好评", "星", "一星", "评", "评价", "点成", "评成", "打分", "分"]
)
# Clothing sizes: a size that does not fit its label is a misdescription, not the buyer's taste.
SIZE_LABEL = frozenset(
    ["码", "码数", "尺码", "号", "S", "M", "L", "XL", "XXL", "XS", "均码", "大码", "尺寸", "鞋码"]
)
SIZE_OFF = frozenset(
    [
        "大",
        "太大",
        "很大",
        "那么大",
        "这么大",
        "偏大",
        "小",
        "太小",
        "很小",
        "偏小",
        "那么小",
        "这么小",
        "长",
        "太长",
        "短",
        "太短",
        "肥",
        "太肥",
        "紧",
        "太紧",
        "宽",
        "窄",
        "不准",
    ]
)
SENT_VERBS = frozenset(["发", "发成", "发的", "给我", "寄", "送", "寄来", "发来"])
# 不到五斤, 称了只有430克: a weight short of the label.
WEIGH = frozenset(
    ["不到", "不足", "称", "称了", "秤", "电子秤", "净重", "毛重", "只有", "少了", "差了", "少"]
)
WEIGHT_UNITS = ("斤", "克", "公斤", "kg", "g", "两", "毫升", "ml")
# A review naming the courier anywhere makes 8天才收到 a transit complaint.
LOGI_WORDS = frozenset(w for w, s in SUBJECTS.items() if s == "logi")

# Clause boundaries in one lookup: 1 = punctuation, 2 = a contrast word.
BOUNDARY = {**dict.fromkeys(CONTRAST, 2), **{p: 1 for p in PUNCT if not p.isspace()}}

# A good review offered for money (想要好评的话返个红包吧, 给钱就删差评, 不给钱就差评) and a
# competitor running the shop down (同行, 友商, 去我家买): buyer_side/malicious, flagged.
EXTORTION_PHRASE = re.compile(
    r"(想要|要|想)好评.{0,8}(红包|返现|给钱|转账|补偿|钱)"
    r"|(红包|返现|给钱|转账|补偿|赔钱|加钱).{0,8}(改|给|追加|换|删)(好评|差评|评价)"
    r"|不给.{0,4}(钱|红包|补偿|返现).{0,4}(就|我就)?.{0,4}差评"
    r"|(钱|红包).{0,3}(就|才)(删|改)(差评|评价|好评)"
)
COMPETITOR_PHRASE = re.compile(r"同行|竞争对手|友商|(来|去)我(们)?(家|店)|我(们)?(家|店)(的)?更")
