"""The domain lexicon: which words name what, and which complaint each phrase points at.

Words here are jieba tokens as the project's tokenizer cuts them (userdict.txt keeps the
domain phrases whole), so every lookup is one dict access per token.
"""

DEFAULT_SUBCAUSE = {
    "logistics": "logistics_other",
    "product_service": "quality",
    "buyer_side": "dislike_or_expectation",
    "unclear": "unclear",
}


def _words(text: str) -> list[str]:
    return text.split()


# Clause structure.

# The clause after these weighs more: 物流很快，但是质量太差 → the quality.
CONTRAST = frozenset(_words("但是 可是 不过 就是 只是 但 可 然而 却 可惜 偏偏 结果 谁知 没想到"))
NEGATORS = frozenset(_words("不是 并不是 并非 不 没 没有 无 并没有 不算 不会 别 非"))
# Clause boundaries: jieba emits punctuation as tokens of its own.
PUNCT = frozenset(list("，。！？；,.!?;~…、:：()（）【】[]\"'“”‘’ \n\t/|-") + ["...", "……"])

# Subjects: what a clause talks about.
SUBJECTS: dict[str, str] = {}
for _w in _words(
    "快递 物流 快递员 快递小哥 小哥 送货员 配送员 快递公司 顺丰 中通 圆通 韵达 申通 极兔 百世 汇通 "
    "天天快递 宅急送 德邦 京东物流 京东快递 京东配送 EMS ems 邮政 邮局 派送 配送 送货 送货上门 "
    "运输 物流信息 驿站 菜鸟驿站 快递柜 丰巢 到货 送到 送来 送过来 投递 送达 送货方 收货 次日达 当日达 隔日达 限时达 211 送货时间"
):
    SUBJECTS[_w] = "logi"
for _w in _words(
    "客服 售后 卖家 商家 店家 掌柜 服务态度 服务 客户服务 售后服务 售前 在线客服 店主 老板"
):
    SUBJECTS[_w] = "cs"
for _w in _words("发货 出货 备货 下单 付款"):
    SUBJECTS[_w] = "ship"
for _w in _words("价格 价钱 价位 售价 性价比 价 钱"):
    SUBJECTS[_w] = "price"
# What a book says (not what it is printed on): complaints about it are the reader's taste.
BOOK_WORDS = frozenset(
    _words(
        "内容 情节 故事 作者 文笔 写 写得 讲 讲得 描写 分析 案例 章节 序 文字 剧情 观点 道理 书中 "
        "这本书 理论 语言 主角 小说 知识 实用性 可读性 深度 内涵 思想 翻译 译文 译者 译本 结局 "
        "题材 叙述 人物 写法"
    )
)
for _w in _words(
    "内容 情节 故事 作者 文笔 写 写得 讲 讲得 描写 分析 案例 章节 序 文字 剧情 观点 道理 书中 这本书 理论 语言 插图 主角 小说 "
    "翻译 译文 译者 译本 结局 题材 叙述 写法 风格 款式 样式 颜色 设计 外观 版型 颜值"
):
    SUBJECTS[_w] = "taste"
for _w in _words(
    "质量 做工 用料 面料 布料 料子 材质 产品 东西 商品 宝贝 衣服 裤子 鞋 手机 电脑 平板 屏幕 电池 "
    "系统 性能 效果 功能 水果 苹果 橙子 奶 牛奶 洗发水 热水器 机器 书 纸张 纸质 印刷 装订 包装"
):
    SUBJECTS[_w] = "product"

# Predicates: what is said about it.
PREDICATES: dict[str, str] = {}
for _w in _words(
    "慢 太慢 很慢 超慢 好慢 真慢 巨慢 特慢 龟速 超级慢 非常慢 比较慢 有点慢 慢死 迟迟 延误 耽误 才到 "
    "才收到 才送到 还没到 没到 没送到 拖 拖延 一直没 磨蹭"
):
    PREDICATES[_w] = "slow"
for _w in _words(
    "不给力 太垃圾 差 太差 很差 真差 极差 超差 好差 差劲 太差劲 糟糕 垃圾 烂 很烂 恶劣 不行 不好 不怎么样 一般 "
    "很一般 一般般 不咋地 坑 坑人 坑爹 无语 失望 太烂 不靠谱 不负责 不负责任 不专业 生硬 拗口 烂尾 很粗 太粗"
):
    PREDICATES[_w] = "bad"
for _w in _words(
    "扔 乱扔 扔在 摔 态度 态度恶劣 态度差 态度不好 凶 骂 骂人 不耐烦 爱理不理 不理 不理人 不回复 不回 敷衍 推卸 "
    "推脱 踢皮球 冷淡 蛮横 嚣张 傲慢 不搭理 没人理 没人管 不管 不处理 拒绝 刁难"
):
    PREDICATES[_w] = "attitude"
for _w in _words(
    "快 很快 挺快 超快 蛮快 神速 及时 给力 不错 很好 挺好 好 满意 还行 还可以 可以 还好 不慢 到位 "
    "必要 喜欢 实用 帮助 有用 精彩 有趣 吸引人 满分 好评 完美 赞 棒 新鲜 正品 原装 正版 全新 清楚 好用 周到 热情 耐心"
):
    PREDICATES[_w] = "good"

# Durations make a delivery or shipping complaint even without 慢.
DURATIONS = frozenset(
    _words(
        "天才 半个 几天 好几天 两天 三天 四天 五天 六天 七天 八天 十天 一周 一个星期 两周 两个星期 一星期 "
        "半个月 一个月 多天 十几天 好久 很久 这么久 那么久 半天"
    )
)
# Arrival verbs: 等了一周才到 is transit, 一周才发货 is the seller.
ARRIVAL = frozenset(
    _words("到 到货 送到 收到 送来 送 寄到 才到 才收到 才送到 等 等了 收货 送达 到手 天才")
)

# Direct cues: a token that alone points at a sub-cause, with its weight.
CUES: dict[str, tuple[str, float]] = {}


def _cue(subcause: str, weight: float, words: str) -> None:
    for w in _words(words):
        CUES[w] = (subcause, weight)


_cue("courier_speed", 1.2, "龟速 物流慢 快递慢 送货慢 到货慢 配送慢 慢死")
_cue(
    "courier_attitude",
    1.5,
    "快递员态度 送货员态度 打电话不接 不送上楼 不上楼",
)
_cue(
    "lost_or_misdelivered",
    2.0,
    "丢件 丢失 弄丢 丢了 送错 冒签 代签 被签收 签收了 拒收 退回 送丢 "
    "不送货 不派送 驿站 快递柜 丰巢 自提 自取 冒领 领走 被领走 拿错 拿走 被人拿走",
)
_cue("logistics_other", 1.2, "物流信息 不更新 验货 不让验货 运费 加钱 到付")
_cue(
    "damaged",
    2.2,
    "破损 压坏 压烂 摔坏 摔碎 碎 碎了 破了 裂 裂了 裂开 裂缝 划痕 划伤 磕碰 磕 凹 凹陷 瘪 漏液 "
    "漏了 洒了 撒了 洒 撒 漏出来 倒出来 流出来 漏 开封 开过 拆过 被拆 变形 坏的 压扁 挤压 破洞 破损了 烂了一个 压碎",
)
_cue(
    "not_as_described",
    2.0,
    "用过 描述不符 与描述不符 和描述不符 图片不符 货不对板 以次充好 色差 不一样 不符 实物 实物图 "
    "宣传 虚假 虚假宣传 欺骗 骗人 骗子 忽悠 缩水 分量 克数 斤两 分量不足 偏小 偏大 夸大 过期 生产日期 日期",
)
# A fake is the gravest misdescription, and outweighs the symptoms that made the buyer suspect it.
FAKE = frozenset(
    _words(
        "假货 假的 假 冒牌 山寨 仿冒 高仿 盗版 翻新 翻新机 二手 二手货 用过的 不是正品 非正品 水货 三无 假冒 伪劣 真假 "
        "歪货 仿品 假冒伪劣"
    )
)
_cue("not_as_described", 3.0, " ".join(FAKE))
# Size and fit: the item is not the size the listing said (a wrong size *sent* is a wrong
# item; a size that does not match its label or picture is a misdescription).
_cue(
    "not_as_described",
    1.6,
    "尺码 号码 尺寸 码数 偏大 偏小 太大 太小 太紧 太长 太短 太肥 很小 个头 那么小 这么小 那么大 这么大 "
    "大小 不标准 偏差 不修身 码偏大 码偏小",
)
# What the listing claimed: 说是修身, 号称70毫米, 没说的那么好.
CLAIMS = "说是 号称 介绍 宣称 标称 说的 写的 标的 页面 详情 怀疑 说好的 图片 图上 描述 写着 标着"
_cue("not_as_described", 1.2, CLAIMS)
# The buyer quoting the listing (说是纯棉, 号称防水, 写着十斤): what follows is the gap.
_cue("not_as_described", 2.0, "说是 号称 宣称 标称 写着 标着")
# 不是介绍的70毫米, 没说的那么好: negating a claim is the complaint, not its absence.
NEGATION_PROOF = frozenset(_words(CLAIMS)) | frozenset(_words("不一样 不符"))
# What the buyer expected: 没有想象的好 / 不如预期 is the complaint itself, not its absence.
EXPECTATION = frozenset(
    _words("想象 想像 期望 期待 预期 预想 期望值 期待值 心理预期 本以为 原以为 以为 心目中")
)
NEGATION_PROOF |= EXPECTATION
_cue(
    "wrong_or_missing_item",
    2.3,
    "漏发 错发 发错 少发 漏寄 寄错 少了 少一个 少一件 少个 缺少 缺 没有发票 没送 少件 不全 发成 "
    "乱给 乱发",
)
# Accessories and gifts are a missing-item complaint only when said to be absent (see rules).
ACCESSORIES = frozenset(
    _words(
        "发票 赠品 配件 数据线 充电器 耳机 说明书 耳线 礼品 保护套 贴膜 钢化膜 膜 充电线 保修卡 礼物"
    )
)
_cue("shipping_delay", 2.2, "发货慢 不发货 没发货 缺货 没货 延迟发货 迟迟不发货 催发货 预售 断货")
_cue(
    "customer_service",
    2.0,
    "不理人 不回复 爱理不理 踢皮球 推脱 推卸 不给退 不给换 不退 不换 拒绝退货 霸王条款 服务态度 "
    "没到账 未到账 还没到账 不到账 退款慢",
)
# Asking for a refund is what a buyer with a bad item does; refusing one is the service's fault.
_cue("customer_service", 0.4, "退货 退换 换货 退款")
# Naming the service is not yet blaming it (找售后 is what a buyer with a broken item does).
_cue("customer_service", 1.0, "客服 售后")
_cue(
    "price",
    1.4,
    "贵 太贵 偏贵 不值 不值得 不划算 性价比 保价 价保 不给保价 返现 优惠券 满减 价格保护",
)
_cue(
    "quality",
    1.3,
    "质量问题 质量差 质量太差 做工差 做工粗糙 粗糙 起球 掉色 褪色 掉毛 开线 脱线 开胶 线头 "
    "死机 黑屏 花屏 卡 很卡 卡顿 重启 发热 发烫 烫 漏水 漏电 噪音 异响 不好用 没效果 没用 无效 "
    "不新鲜 不甜 酸 苦 涩 烂 坏 坏了 坏果 烂果 发霉 霉 变质 臭 异味 难闻 刺鼻 缩水 变形 头皮屑 "
    "头痒 痒 掉发 脱发 过敏 干涩 毛躁 不出水 不加热 不热 水温 耗电 续航 待机 信号 缺页 印刷 "
    "模糊 错字 纸张 纸质 薄 透 硬 毛病 故障 返厂 问题 失灵 不灵 不能用 用不了 开不了机 坏掉",
)
_cue("damaged", 1.0, "包装 简陋")
_cue("product_service_other", 1.0, "发票抬头 安装 安装费 上门安装")
_cue(
    "dislike_or_expectation",
    1.6,
    "本以为 原以为 没什么帮助 没有帮助 帮助不大 用处不大 没必要 没什么用 不好喝 难喝 低幼 幼稚 "
    "不喜欢 不适合 不太适合 不合适 没意思 无聊 乏味 枯燥 看不下去 看不懂 读不懂 没兴趣 不感兴趣 "
    "想象 期望 期待 预期 想像 没想象 不实用 不习惯 个人觉得 不好看 难看 丑 土 老气 "
    "不合口味 不对胃口 说教 空洞 废话 鸡汤 浅显 肤浅 水分 凑字数 啰嗦 平淡 不合身 "
    "老套 俗套 拖沓 没劲 无趣 空话 套话 陈词滥调 晦涩 读不进去 看不进去 不感冒 喝不惯 吃不惯 "
    "用不惯 不爱吃 不爱喝 不爱看 期望值 期待值 心理预期 预想 不是我想要的 花哨 俗气 太花 太水 注水 "
    "压抑 心情沉重 越看越",
)
# A weight that falls short of the label is a misdescription (see rules for 不到五斤).
_cue("not_as_described", 3.0, "缺斤少两 短斤少两 缺斤短两")
_cue(
    "ordered_wrong",
    2.6,
    "拍错 买错 选错 下错 我自己 自己选 自己的原因 没看清 看错 误买 选大 选小 买小 拍大 拍小",
)
_cue("wrong_or_missing_item", 1.5, "搞错 弄错")
_cue("wrong_or_missing_item", 1.0, "没给")  # 没给赠品, but also 没给我打电话
_cue("dislike_or_expectation", 1.0, "以为")
_cue("misoperation", 3.0, "点错 误点 手滑 评错 好评点成 本想给好评 误操作 不小心点")
_cue(
    "price_regret",
    2.2,
    "降价 降 做活动 活动价 就便宜 买完就降 刚买就降 一买就降 便宜了 掉价 跌价 买贵了",
)
_cue("malicious", 3.0, "差评师 职业差评师 勒索 给钱 赔钱 同行 改好评 好评返现 加钱 删差评")
_cue(
    "buyer_side_other",
    1.5,
    "不想要了 不需要 用不上 改变主意 反悔 家人不喜欢 不熟悉 不会用 不懂 没时间 自己装 自己弄 送人了 "
    "还没用 还没用过 还没开始用 没用过 暂时 先评 用不到 用不着 多余",
)

# Severity.
SERIOUS: dict[str, float] = {}
for _w, _weight in (
    ("投诉 维权 315 12315 消协 工商 工商局 举报 曝光 起诉 律师 报警 法院 媒体", 2.5),
    ("骗子 骗人 欺骗 欺诈 诈骗 假货 冒牌 黑心 无良 奸商 坑人 坑爹 上当 上当受骗 被骗 骗", 2.0),
    ("垃圾 恶心 气死 愤怒 无语 坑 屁 滚 他妈 妈的 尼玛 傻 傻逼 shit 恶劣 丢人 恶心死", 1.2),
    ("再也不 再也 永远 绝不 拉黑 千万别 千万不要 别买 不要买 大家 劝 慎买 慎重", 1.0),
    ("过敏 中毒 拉肚子 腹泻 生病 医院 毒 危险 安全 爆炸 漏电 起火 着火 烫伤 受伤 伤", 2.0),
    ("退款 退货 赔偿 赔 差评师 勒索", 0.8),
    ("假 假的 不是正品 翻新 翻新机 二手 盗版 山寨 冒牌 假冒 伪劣 真假", 2.0),
    (
        "最差 最失败 最烂 最不满意 最垃圾 彻底 一星 一颗星 一分 差评差评 火 火大 气愤 生气 窝火 坑人",
        1.5,
    ),
):
    for _w2 in _words(_w):
        SERIOUS[_w2] = max(_weight, SERIOUS.get(_w2, 0.0))
# Features a buyer may have hoped for: "没有WiFi", "不支持NFC" with no claim that the listing
# promised them is an expectation, not a defect.
FEATURES = frozenset(
    _words(
        "WiFi wifi Wi-Fi WIFI 蓝牙 摄像头 前置摄像头 插卡 手机卡 电话卡 5G 4G 3G NFC nfc 指纹 光驱 "
        "接口 耳机孔 内存卡 扩展 通话 打电话 GPS 导航 红外 遥控 定时 预约功能 自动 触屏 键盘灯"
    )
)
# A verdict with nothing named (一般吧, 也就那样): taste, unless a defect is said (see rules).
VAGUE = frozenset(_words("一般 一般般 很一般 不怎么样 不咋地 普通 普普通通 中规中矩 凑合 马马虎虎"))
MILD = frozenset(
    _words("有点 有些 稍微 略 略微 一点 一点点 还行 还可以 凑合 小 希望 建议 总体 其他 其它")
)

# Flags.
COMPLAINT_THREAT = frozenset(
    _words("投诉 维权 315 12315 消协 工商 工商局 举报 曝光 起诉 律师 报警 法院 媒体 申诉 仲裁")
)
EXTORTION = frozenset(
    _words(
        "差评师 职业差评师 勒索 给钱 赔钱 加钱 删差评 改好评 否则 不然 封口费 好评返现 删 不删 撤"
    )
)
# An extortion phrase needs a money word with it, or it is just a buyer asking for a refund.
EXTORTION_STRONG = frozenset(_words("差评师 职业差评师 勒索 封口费 删差评"))
MONEY = frozenset(_words("钱 给钱 赔钱 加钱 红包 转账 块 元 补偿 返现 赔偿"))
