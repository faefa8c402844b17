"""The words outreach sends: the default message templates, how they are filled in, and the
rules any text to a buyer must keep — never a reward for a review (seed 002 Q3: 切忌以评价换取
客诉处理), no mention of the review after six months (seed 000 四.2), only the placeholders the
planner fills in.

Pure text: no database, no Django models — the planner, the lead's form, the admin (through
Playbook.clean) and the reply checks all ask here, so they cannot disagree.
"""

import re
import string
import unicodedata

from django.utils.translation import gettext_lazy as _

from reviews.classifier.normalize import to_simplified

from . import second_opinion

# The text of each message the playbook sends, until a team lead writes the shop's own
# (Playbook.templates). {nick}, {order_id} and {link} are filled in by render().
DEFAULT_TEMPLATES = {
    "revision_instructions": (
        "您好{nick}，感谢您的理解！修改评价的步骤：1. 打开“我的订单”；2. 找到订单{order_id}，"
        "点击“评价管理”；3. 选择“修改评价”后提交。链接：{link} 有任何问题随时联系我们。"
    ),
    "reminder": (
        "您好{nick}，之前和您沟通的问题不知道现在是否都解决了？如果还有任何不满意的地方，"
        "请随时联系我们，我们一直在。链接：{link}"
    ),
    "apology": (
        "您好{nick}，很抱歉之前没能及时联系您，您反馈的问题我们已经改进。"
        "下次购物我们为您包邮，或送您一份小礼品，略表歉意。"
    ),
    "invitation": "您好{nick}，本店上新啦，老顾客专享优惠和小礼品，欢迎回来看看：{link}",
    "persistence": (
        "您好{nick}，我是店铺售后客服，想了解一下您对订单{order_id}还有什么不满意的地方，"
        "方便的时候请回复或联系我们，我们会尽力为您解决。"
    ),
    "explanatory_followup": (
        "您好{nick}，您的问题已经为您处理好了，如果方便，可以追加一条评论说明处理结果，"
        "帮助其他买家了解情况，非常感谢！"
    ),
}


# The placeholders render() fills in; anything else would crash the planner at send time.
PLACEHOLDERS = ("nick", "order_id", "link")


def render(template: str, *, nick: str = "", order_id: str = "", link: str = "") -> str:
    return template.format(nick=nick, order_id=order_id, link=link)


# Compensation for a review (seed 002 Q3). A message is read sentence by sentence, clause by
# clause. It is a trade when it offers or names a reward anywhere and, anywhere, names the
# review — asks the buyer to act on it (改评价, 删差评, 追评一下, 给个好评, "revise your
# feedback") or just names it (评价那边帮忙…, 好评！返现！) — unless that review is one the
# buyer already wrote and the message is answering (看到您的差评, 您评价里提到的漏液, 感谢您的好评,
# "we saw your feedback"), or names a product's ratings (好评率, 五星级). A reward and a review in
# one message read as one deal to the buyer, whatever order, however far apart, and to the
# platform (利益诱导): when in doubt it is refused, and the agent rewrites or sends the two apart.
# A hint promises a reward without naming it (好评有惊喜, 改了不会让您白忙活). A clause that
# denies the link (不会因为评价给任何补偿, 与评价无关, 由您决定, 谨防"改评价领红包"诈骗) counts for
# nothing, unless it also makes the reward conditional (除非, unless). Traditional characters
# are read as simplified.
_NUM = r"[\d一二两俩三四五六七八九十百千半]"
_REWARD = re.compile(
    rf"fan\s?\d+|\d+\s?kuai|(?:钱|款)(?:我们)?就?不要了|不收(?:您|你)?钱|返图价|比原价(?:低|便宜|少)|(?<![a-z])(?:coupons?|vouchers?|refunds?|cash|gifts?|paypal)(?![a-z])|专属(?:售后|客服|通道|服务|权益)|绿色通道|有份|(?:私聊|私信|找客服|找我)领|有(?:好)?东西(?:给|送)|升级(?:为|成)|加急处理|优先处理|专人(?:处理|跟进|服务)|东西(?:您|你)?留着|返现|fan现|fan\s?xian|红bao|hong\s?bao|💰|💵|💴|🤑|补\d+(?:元|块)?|补[两二三四五六七八九十][十块元]|返现|返钱|返款|返利|返点|返还|返xian|fanxian|返{_NUM}|立返|返您|返你|返给|返红包|"
    r"红包|利是|现金|转账|转帐|转给您|转给你|转您|转你|给您转|给你转|支付宝|微信转|打款|"
    rf"退款|退钱|退全款|全额退|退一半|退差价|差价|退运费|退{_NUM}|退您|退你|退给|"
    r"(?:退回|退还)(?:运费|邮费|\d|您|你|给|差价|款|钱|部分)|退了?.{0,3}(?:钱|一半|部分|差价|运费)|钱.{0,3}退|"
    r"补偿|赔偿|全赔|包赔|赔(?:您|你|给)|延保|延长保修|保修期延|可享受?|可获得|补贴|补您|补你|奖励|报销|福利|回馈|回报|"
    rf"券|优惠|立减|减{_NUM}|折扣|打个?折|打?[一二三四五六七八九\d]折|(?:给您|给你)免|"
    r"再(?:给您|给你)?(?:寄|发)一?[个件份]|(?:给您|给你)重新(?:寄|发)|(?:给您|给你)(?:寄|发)一[个件份盒瓶]|(?:再|才|就)补发|"
    r"礼品|礼物|小礼|好礼|礼包|有礼|赠品|赠送|赠|抽奖|奖品|大奖|掏钱|自掏腰包|补给(?:您|你)|"
    r"(?:(?<![a-z])|(?<=hp))(?:hb|fx)(?![a-z])|🧧|🎁|福袋|会员价|内部价|员工价|专属价|vip价|"
    r"补(?:发)?(?:一|1|两|2)[袋个件份盒瓶包支套罐]|"
    r"(?<![配运递发护派接])送(?![货达到出去回检修件来往错的])|"
    r"奉上|小样|零食|特产|试吃|试用装|多(?:塞|放|送|寄|发)了?|请您(?:的|喝|吃)|算我(?:们)?的|这单算|"
    r"条件您开|条件随便|开个价|您说个数|"
    r"包邮|免运费|免费(?!上门|维修|取件|退换|换货|检测|寄回|保修|咨询)|会员|运费险|运费(?:由)?我们(?:来)?(?:出|承担)|承担.{0,4}运费|惊喜|彩蛋|积分|金币|免单|"
    r"心意|谢意|谢礼|薄礼|礼金|感谢费|辛苦费|辛苦钱|茶钱|奶茶|咖啡钱|话费|好处|小钱|零花钱|"
    r"(?:一点|小小?)意思|意思一下|(?:关怀|慰问|感谢|答谢|奖励|补偿)金|全退|运费.{0,2}退|钱退|退回来|"
    r"表示一下|表示表示|有所表示|少不了|亏待|白忙|白改|算我的|我来出|我出|"
    rf"{_NUM}+(?:元|块|毛)|[¥￥$]\s?\d|"
    r"\b(?:refunds?|refunded|reimburse\w*|cash\s?back|cash|coupons?|discount|voucher|"
    r"gifts?(?: cards?)?|(?<!feel )free(?! to\b)(?! returns?\b)|paypal|money back|"
    r"compensat\w*|reward|bonus|on the house|(?:it\'s|is) on us|keep (?:the item|it|the product)|no need to return|worth your while|make it up to you|a little something|something for your (?:time|trouble)|prizes?|raffle|lottery|sweepstakes?|giveaway|(?:reward|loyalty|bonus|store) points|\d+ points|cover (?:the |your )?(?:return )?(?:shipping|postage)|store credit|rebate|surprise|token of (?:appreciation|thanks)|"
    r"\d+\s?(?:dollars|usd|euros?|pounds))\b|\d+\s?% off"
)
# What the buyer may be asked to do with the review (the request cues), and the words that only
# name it (好评, 追评, 晒图: "感谢您之前的好评", "看到您的追评"), which count next to a reward in
# the same sentence only.
_STAR = r"(?:好评|五星|5星|[五5][颗个]星|星星|满星|[5五]\s?[⭐★☆]|满分|[5五]分(?!钟)|星)"
_REQUEST = re.compile(
    r"hp(?=返|送|有礼|截图|晒图|fx)|(?:麻烦|请|帮忙|能不能|可以|记得)(?:您|你)?在(?:评价|评论|追评)[里中](?:说|写|夸|提)|(?:给|改|删|写|打)了的话|写(?:点|些)?好话|说(?:点|些)?好话|"
    r"追加(?:一条|个)?(?:好评|评价|评论)|追评(?:一下|下|一句|一条|一个|个)|"
    r"晒(?:个|一下|下|张|点)?图|晒单|带图(?:评|的)|删评|改评|撤评|高抬贵手|改一改|"
    r"一下(?:评价|差评|中评|评论|评分)|修该|"
    r"(?:改|修改|评)(?:成|为)(?:满意|好的)|(?:评价|评论|评分)(?=返|送|有礼|有惊喜|后|.{0,4}截(?:个)?图)|"
    r"(?:删|改|撤)(?:个|了|掉|下|一下)?评(?!论|估|审|价)|"
    r"(?:别|不要|不用|先别|暂时别)(?:给|打|写)?(?:差评|中评|低分|评价)|"
    r"(?:修改|更改|更新|改|删|删除|删掉|撤销|撤回|撤掉|撤|追加|补|写|给|打|留|换取|换|点亮|点满|加)"
    r"(?:一下|下|个|一个|一条|了|成|为|上)?.{0,5}?"
    rf"(?:评价|评论|评分|差评|中评|{_STAR})|"
    rf"(?:评价|评论|评分|差评|中评|{_STAR})(?![里中](?:您|你)?(?:提到|说|反映|写|的))(?:的事)?[^,;:]{{0,14}}?"
    r"(?:修改|更改|更新|改(?!进|善|正)|删|撤|写|换|帮|满意|加上|点满|处理|调高|提高|调整|调|加分|升|麻烦|拜托)|"
    r"(?<![地址信息资料])(?:修改|改(?:好|完)了?|能改|改了)(?:后|之后|以后|的话)|改(?:好|完)了?.{0,2}截(?:个|张)?图|"
    r"[把将].{0,4}?[“\"'‘「].{1,12}[”\"'’」].{0,6}(?:改|删|调整|调|换|变)|"
    r"(?:麻烦|请|求|希望|期待|恳请|拜托|劳烦|记得|能否|可否|方便)[^,;:]{0,8}?(?:追评|追加|晒图|晒单|"
    + _STAR
    + ")|"
    r"\b(?:leave|leaving|give|giving|post|posting|change|changing|update|updating|revise|"
    r"revising|remove|removing|delete|deleting|withdraw|edit|modify|amend|amending|improve|add|"
    r"adding|take down|taking down|take off|pull down|drop|"
    r"write|writing|raise|raising|increase|bump|upgrade|fix|adjust)\b[^,;:]{0,25}?"
    r"\b(?:feedback|fb|reviews?|ratings?|stars?|neutral|negative|positive|neg|pos)\b|"
    r"\b(?:feedback|review|rating|fb) (?:revision|change|update|removal)\b|"
    r"\b(?:neutral|negative|neg|feedback|review|rating)\b[^,;:]{0,20}?\b(?:turns?|turned|becomes?|goes|flips?)\b|"
    r"\b(?:5|five)[- ]stars?\b(?![- ](?:rated|hotel))|\bpositive (?:feedback|reviews?|ratings?)\b|"
    r"\b(?:feedback|review|rating|neutral|negative|neg|fb)\b[^,;:]{0,20}?\b(?:changed|removed|revised|updated|deleted)\b|"
    r"\b(?:revised|updated|changed|amended|new) (?:feedback|reviews?|ratings?)\b"
)
_MENTION = re.compile(
    r"(?<![a-z])(?:hp(?!打印|笔记本|电脑|墨盒|惠普)|zp|cp(?!套装|款|装|粉|组合|情侣)|fb|pj)(?![a-eg-z])|hao\s?ping?|hao评|好pin|评价|评论|评分|点评|差评|中评|负评|恶评|好平|差平|中平|评介|"
    r"[⭐★]{2,}|追个评|(?:那|这)(?:几个|些|一|两)?(?:个字|字|句话?)|\b\d[- ]stars?\b(?![- ](?:rated|hotel))|\b(?:feedback|reviews?|ratings?)\b|追评|晒图|买家秀|带图评|打星|星评|[买卖]家秀|问大家|小红书|种草|@(?:我们|店铺|本店|官方)|交作业|满意度|(?:点|选|打)个?.?非常满意|(?<=[着么去来先再])评(?![论估审价分测级选比])|(?<![a-z])(?:reviews?|feedback|ratings?)(?![a-z])|"
    + _STAR
)
# A mention after 看到/感谢 names a review the buyer already wrote ("看到您的追评", "感谢您之前的
# 好评"): it asks nothing.
_SEEN = re.compile(
    r"(?:(?:看到|看了|收到|感谢|谢谢|针对|关于|根据)(?:了)?(?:您|你)?(?:之前|上次|刚才)?在?(?:的|留的|写的)?"
    r"|\b(?:saw|see|seen|noticed|read|received|about|regarding|thanks for|thank you for|"
    r"(?:mentioned|said|wrote|noted|say|write|says) in)\b"
    r"(?: your| the)?"
    r"(?: (?:neutral|negative))?\s?"
    r"|(?:顾客|买家|大家|别人|网友|客户)们?(?:的|都)?)$"
)
_SEEN_AFTER = re.compile(
    r"(?:(?:我们|我|这边)?(?:已经|都)?(?:认真)?(?:看到|看了|收到|了解|知道)"
    r"|[里中](?:您|你)?(?:提到|说|反映|写|上传|发的|晒)|[里中]的|的?原因|的理由|提到|里面?提"
    r"|(?:我们|我|这边)(?:已经?|都)?(?:回复|记录|记下)|说得(?:对|没错|有道理)|说的(?:对|没错)"
    r"|页面|界面|入口|区|规则|功能|按钮"
    r"|\s?(?:mentioned|said|says|noted|about))"
)
_QUOTED = re.compile(r"[里中](?:的|您|你|提到|说)")
_THEN = re.compile(r"(?:后|之后|以后|的话|再|就)")
# 好评率, 好评如潮: what other buyers said of a product.
_STAT = re.compile(r"(?:好评)?(?:率|如潮|很多|最多|不断|榜|度|级)")
# A review named in one clause and a bare change asked in another of the same sentence (您这个
# 评价对我们影响很大，改一下的话…; 差评的事情咱们商量下，您改了…).
_NOUN = re.compile(
    r"评价|评论|评分|点评|差评|中评|(?<![a-z])pj(?![a-z])|\b(?:feedback|review|fb)\b"
)
_CHANGE = re.compile(r"改(?:一下|下|了|好|完|掉|成)|更新|删(?:了|掉|除)|撤(?:了|掉|销|回)")
# A hint: a review cue and a promise that something comes of it (好评有惊喜, 晒图有礼, 改了
# 不会让您白忙活, 满意五星有彩蛋) is a trade without naming the reward's kind.
_HINT = re.compile(
    r"有(?:惊喜|彩蛋|礼|好礼|回馈|福利|表示)|不会(?:让您|让你)?(?:白|吃亏|亏)|少不了|亏待|懂的|您懂|你懂|"
    r"松(?:松)?口|(?:别的|其他|什么|啥)都好说|好商量|(?:我们|这边)(?:也会?|就)(?:看着办|懂事|有数|表示)"
)
# A negation denies the link only when it governs how a reward is given or asked for (不会因为评价
# 给补偿, 不能用红包换取评价, 不需要您改评价): 能不能 and 会不会 ask, 不会亏待您 promises, and
# 绝不会骗您，好评返现 still trades.
_HOW = r"(?=.{0,3}?(?:因为|为了|因此|以|用|拿|换|给|要求|需要|根据|影响|作为|发红包|发钱|送礼))"
_NEGATION = re.compile(
    r"(?:(?<!会)不会|(?<!能)不能|(?<!可)不可以|不可能|不得|绝不|决不|从不|并不)" + _HOW + "|"
    r"不需要|无需(?!退货|寄回|返回|退回)|不必|不要求|禁止|不允许|不以|"
    r"\b(?:never|not|don't|do not|won't|will not|cannot|can't)\b(?=[^,;:]{0,40}?"
    r"\b(?:depend|in exchange|tied|conditional|linked|ask|require|for (?:a|your|any) "
    r"(?:review|feedback|rating)))"
)
# Naming the practice to disown it: 本店不做好评返现, 好评返现卡不是我们放的, 谨防好评返现骗局.
_UNLINKED = re.compile(
    r"无关|没有(?:任何)?关系|没关系|关系都没有|没.{0,3}关系|不影响|无论|不管|不是因为|不是为了|"
    r"不是(?:评价|好评|晒图|追评)|从未|从来没|从没|附加条件|无条件|没有条件|不附带|照样|照常|"
    r"不(?:返现|刷单|买好评|送礼)|随(?:您|你)|不用.{0,6}(?:评价|截图|晒图|好评)|不会有(?:任何)?(?:返现|红包|奖励|补偿|好处)|没有(?:任何)?(?:奖励|补偿|好处|返现|红包)|无奖励|不是(?:为了)?(?:换|买|要)(?:好评|评价)|仿冒|不能(?:这样|这么)做|不(?:可以|会)(?:这样|这么)做|压力|负担|意愿|虚心接受|我们接受|接受您的|也是应该的|理所应当|未提及|没有提到|没提|本来就|"
    r"(?:改|删|写|给|评|撤)不(?:改|删|写|给|评|撤)|按(?:您|你)?(?:自己|实际|真实)|不受.{0,4}影响|"
    r"没有(?:任何)?(?:好评|评价|晒图|追评)?返|(?:我们|本店|这边)(?:这边)?(?:是|都|从来|一直)?没有|是没有的|"
    r"不用(?:您|你)?(?:再)?(?:做)?(?:任何)?(?:回复|评价|写评价|给评价|留评|改评价|管评价|在意评价)|别家|别的店|其他店铺|"
    r"想咋写|咋写都|咋评都|随便写|想怎么写|想怎么评|"
    r"\b(?:ignore any|never (?:does|do|did) (?:that|this|so))\b|怎样就怎样|怎么.{0,3}都(?:行|可以|好)|不用改|不必改|无需改|不需要改|"
    r"不做|不参与|不搞|不存在|不是我们|谨防|警惕|骗局|诈骗|违规|违反|严禁|举报|"
    r"如实|按真实|真实体验|客观|不能做|不能搞|不可以做|不会做|不会搞|平台规定|平台规则|"
    r"请勿相信|不要相信|别相信|勿信|冒充|自称|由您决定|您决定|自愿|不会收回|两回事|两件事|两码事|随意|权利|"
    r"独立|互不|别人家|没有这种|没有这类|没有此类|这种活动|此类活动|这类活动|这样的活动|"
    r"不论|不(?:会)?(?:提供|给)任何|不强求|不勉强|不强迫|照实|实际情况|实际感受|真实感受|不提供|为由|名义|上当|当心|"
    r"\b(?:no pressure|no obligation|not obliged|no (?:feedback|review|rating) (?:needed|required)|against (?:\w+ )?(?:policy|policies|rules)|no effect|not connected|not linked|not related|unrelated|(?<!it )up to you|either way|"
    r"whatever you|whatever (?:feedback|review|rating)s?|any (?:feedback|review|rating) you)\b|"
    r"\b(?:regardless|no matter|nothing to do with|independent of|beware|claiming to be|"
    r"pretend\w* to be)\b"
)
# A sentence that disowns the trade as a whole, its list of rewards running across commas.
_DISOWNED = re.compile(
    r"\b(?:never|don't|do not|won't|will not|cannot|can't)\s+(?:offer|give|provide|ask for|request|"
    r"trade|pay|send)\b.{0,80}\b(?:in (?:exchange|return) )?for (?:a |an |your |any )?"
    r"(?:positive |good |better |5-star |five-star )?(?:reviews?|feedback|ratings?)\b"
    r"|(?:从不|绝不|不会|不)(?:以|用|拿).{0,30}(?:换取|索要|交换)(?:您的|你的)?(?:好评|评价|五星)"
)
_CONDITIONAL = re.compile(r"除非|否则|\b(?:unless|otherwise)\b")
_SENTENCE = re.compile(r"[。!?;\n]+|\.(?=\s|$)")
# A clause ends at a comma, and before a "but" that may take back a denial (与评价无关～不过
# 改了好评的话另有惊喜).
_CLAUSE = re.compile(r"[,:~]|(?=不过|但是|可是|\bbut\b|\bhowever\b)")
# Separators typed between characters to slip past a filter: 好-评-返-现, 好.评.返.现 5 元.
# "h p 返现", "h.p": the abbreviation spelt apart.
_HP = re.compile(r"(?<![a-z])h[\s.\-_*]+p(?![a-z])")
_SPACER = re.compile(r"(?<=[\u4e00-\u9fff\d])[\s\-_.·・*~|/]+(?=[\u4e00-\u9fff\d])")


def _normalise(text: str) -> str:
    # NFKC folds full-width letters, digits and punctuation (ｈｐ５，) and circled numbers;
    # OpenCC reads traditional characters as simplified (刪除差評後聯繫客服，領取紅包).
    text = to_simplified(unicodedata.normalize("NFKC", text).lower())
    return _SPACER.sub("", _HP.sub("hp", text))


class _Cues:
    """The first reward, request and review cue of a sentence outside any clause that
    denies the link between a reward and the review."""

    def __init__(self, sentence: str) -> None:
        self.reward = self.request = self.review = None
        self.hint = None
        noun = change = None
        if _DISOWNED.search(sentence) and not _CONDITIONAL.search(sentence):
            return  # "we never offer refunds, discounts or gifts in exchange for a review"
        hint_here = None
        for clause in _CLAUSE.split(sentence):
            reward, request = _REWARD.search(clause), _REQUEST.search(clause)
            if request and _QUOTED.match(clause, request.end()):
                request = None  # "您晒图里的外包装破损": what the buyer showed, not an ask
            if request and request.group(0) in ("晒图", "晒单") and _seen(clause, request):
                request = None  # "您的晒图我们看到了": the photos the buyer already posted
            review = request or _mention(clause)
            if _denied(clause, reward, review):
                continue
            self.reward = self.reward or (reward and reward.group(0))
            self.request = self.request or (request and request.group(0))
            self.review = self.review or (review and review.group(0))
            hint = _HINT.search(clause)
            hint_here = hint_here or (hint and hint.group(0))
            noun = noun or _NOUN.search(clause)
            change = change or _CHANGE.search(clause)
        if self.request is None and noun and change:
            self.request = self.review = self.review or change.group(0)
        # The promise and the review may sit in two clauses of one sentence (姐妹你懂的，hp后…).
        if self.review and hint_here:
            self.hint = hint_here


def _seen(clause: str, match: re.Match) -> bool:
    """Does `match` name a review the buyer already wrote ("看到您的追评", "感谢您的好评")?"""
    seen = _SEEN.search(clause[: match.start()]) or _SEEN_AFTER.match(clause, match.end())
    # "收到好评后…返现": the review is the condition, not the past
    return bool(seen) and not _THEN.match(clause, match.end())


def _mention(clause: str) -> re.Match | None:
    for match in _MENTION.finditer(clause):
        if not _seen(clause, match) and not _STAT.match(clause, match.end()):
            return match
    return None


def _denied(clause: str, reward, review) -> bool:
    if _CONDITIONAL.search(clause):
        return False
    if _UNLINKED.search(clause):
        return True
    negation = _NEGATION.search(clause)
    if negation is None:
        return False
    # Denied when the negation comes before one of the two: 不会因为评价给补偿, 补偿不需要您改评价.
    last = max((m.start() for m in (reward, review) if m), default=None)
    return last is not None and negation.start() < last


def _trade(text: str) -> tuple[str, str, bool] | None:
    """The reward and the review cue that make `text` a trade, and whether the link is loose:
    the two only in different sentences and the review only named, never asked for ("Your
    feedback helps us improve. The partial refund has been processed.")."""
    sentences = [s for s in _SENTENCE.split(_normalise(text)) if s.strip()]
    cues = [_Cues(s) for s in sentences]
    for cue in cues:
        if cue.reward and cue.review:
            return cue.reward, cue.review, False
        if cue.hint:
            return cue.hint, cue.review, False
    reward = next((c.reward for c in cues if c.reward), None)
    review = next((c.review for c in cues if c.review), None)
    if reward and review:
        return reward, review, not any(c.request for c in cues)
    return None


# Words that disown a link somewhere in a message: a scam warning, a choice left to the buyer,
# the two said to be unrelated (退款跟评价不挂钩, 评价您怎么写都可以, 有人冒充客服说改好评就转账).
_DISCLAIMER = re.compile(
    r"(?:回复|答复|回答)\s?[:,]?\s?不(?:能|行|可以)|买家问|(?:您|你)(?:之前|刚才)?问|没有哈|没有的|确实没有|是没有|(?<!不是)骗|冒充|假冒|举报|不是我们|不是本店|非官方|官方|挂钩|干涉|顾虑|自由|自愿|真实|怎么写|怎么评|咋写|咋评|"
    r"照实|实际|强求|勉强|不论|无论|不管|是否|上当|保留|看着办|自行|自己决定|来定|认了|无条件|没有(?:任何)?条件|不是.{0,8}条件|(?:未|没有?)(?:提出|提|附加?)(?:任何)?条件|"
    r"并没有|没有给|就算|即使|为什么|不用动|别动|下方|想法|关联|致歉|打扰|也没事|没问题|现状|尊重|"
    r"\b(?:your (?:call|choice|decision)|(?:entirely|totally|completely) up to)\b|不能答应|不答应|给不了|做不到|不用管|别管|按流程|"
    r"\b(?:depends?|depending|not allowed|no review needed|without (?:a |any )?(?:review|feedback))\b|"
    r"\b(?:scam\w*|fraud\w*|impersonat\w*|not us|beware|claiming)\b"
)


def _disclaims(normalised: str) -> bool:
    return any(cue.search(normalised) for cue in (_UNLINKED, _NEGATION, _DISCLAIMER))


def _review_cue(normalised: str) -> bool:
    """Anything that names the review, asks for it or promises for it: without one a message
    cannot tie a reward to a review (满两件送小礼物), whatever the model reads in it."""
    return any(cue.search(normalised) for cue in (_MENTION, _REQUEST, _HINT))


def compliance_problem(text: str) -> str | None:
    """Why `text` may not be sent to a buyer, or None: it ties a reward (refund, red packet,
    cash, transfer, coupon, gift, free shipping, 惊喜, points) to a better, changed, removed
    or added review (好评, 五星, 改评价, 删差评, 追评, 晒图, "5 stars", "feedback")."""
    normalised = _normalise(text)
    found = _trade(text)
    # Where the rules are unsure, the learned second opinion decides (outreach.second_opinion):
    # a link the rules found in a message that also disowns it somewhere, and a message in
    # which they saw a review named, asked for or promised for but no link (a new euphemism,
    # a new way of asking; 好好好… carries none and is not asked about).
    # A loose link (two sentences, the review only named) is let through only when the model
    # is sure the message is ordinary.
    if found and (
        (
            _disclaims(normalised)
            and second_opinion.trade_probability(normalised) < second_opinion.ORDINARY_BELOW
        )
        or (found[2] and second_opinion.trade_probability(normalised) < second_opinion.LOOSE_BELOW)
    ):
        return None
    if found:
        reward, review = (cue.strip() for cue in found[:2])
        return str(
            _(
                'Ties a reward ("%(reward)s") to the review ("%(review)s"): compensation '
                "must never depend on the review (platform rules forbid it)."
            )
            % {"reward": reward, "review": review}
        )
    # Without a reward word the model must be surer: the trade is then a euphemism (不会让您
    # 吃亏的, 懂的都懂), and the ordinary revision steps read much like it.
    above = (
        second_opinion.TRADE_ABOVE
        if _REWARD.search(normalised)
        else second_opinion.TRADE_ABOVE_NO_REWARD
    )
    if _review_cue(normalised) and second_opinion.trade_probability(normalised) > above:
        return str(
            _(
                "Reads like a reward offered for the review (words such as %(words)s): "
                "compensation must never depend on the review (platform rules forbid it). "
                "Rewrite it so the two are plainly unrelated, or send them apart."
            )
            % {"words": "、".join(f"「{w}」" for w in second_opinion.evidence(normalised))}
        )
    return None


def mentions_review(text: str) -> bool:
    """Seed 000 四.2: after six months, never make the buyer recall the bad experience."""
    return bool(re.search(r"评价|评论|差评|中评|好评|追评", text))


def template_problem(name: str, text: str) -> str | None:
    """Why the template `name` cannot be used, or None: the lead's form and the admin (through
    Playbook.clean) both refuse what the planner would trip over at send time."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return str(
            _(
                "A single { or } is not allowed; write {{ or }} for a literal brace, or use a "
                "placeholder: %(allowed)s."
            )
            % {"allowed": _placeholder_list()}
        )
    used = set()
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return str(
                _("Unknown placeholder {%(field)s}; only these are filled in: %(allowed)s.")
                % {"field": shown, "allowed": _placeholder_list()}
            )
        used.add(field)
    if "{link}" in DEFAULT_TEMPLATES[name] and "link" not in used:
        return str(_("It must keep {link}: the buyer needs the link to act on this message."))
    if problem := compliance_problem(text):
        return problem
    if name == "invitation" and mentions_review(text):
        return str(
            _(
                "The invitation must not mention the review (评价, 差评, 好评…): after this "
                "long, never make the buyer recall the bad experience."
            )
        )
    return None


def _placeholder_list() -> str:
    return " ".join("{" + p + "}" for p in PLACEHOLDERS)


# Provider SMS templates (Aliyun ${name}, Tencent {1}): the provider delivers only the text
# it approved, with the variables filled in.
PROVIDER_VARIABLE = re.compile(r"\$\{(\w+)\}|\{(\d+)\}")


def provider_variables(template: str) -> list[str]:
    """The variables of a provider template, in order: "name" for ${name}, "1" for {1}."""
    return [m.group(1) or m.group(2) for m in PROVIDER_VARIABLE.finditer(template)]


def provider_params(template: str, text: str) -> dict[str, str] | None:
    """The values that make the provider `template` read exactly `text`, by variable name;
    None when the text does not fit the template (it was edited, or the playbook's wording
    changed): the provider would not deliver it as written."""
    literals = PROVIDER_VARIABLE.split(template)[::3]
    names = provider_variables(template)
    pattern = "".join(
        re.escape(literal) + (f"(?P<v{i}>.*?)" if i < len(names) else "")
        for i, literal in enumerate(literals)
    )
    match = re.fullmatch(pattern, text.strip(), re.DOTALL)
    if match is None:
        return None
    values: dict[str, str] = {}
    for i, name in enumerate(names):
        value = match.group(f"v{i}")
        if values.setdefault(name, value) != value:
            return None  # ${nick} twice must be the same nick twice
    return values


def provider_template_problem(
    template: str, variables: list[str], playbook_text: str
) -> str | None:
    """Why the playbook's text (with {nick}, {order_id}, {link}) and the provider's approved
    template (its variables filled, in order, by `variables`) are not the same message."""
    names = provider_variables(template)
    if len(names) != len(variables):
        return str(
            _("the template has %(n)s variables but %(m)s are named")
            % {"n": len(names), "m": len(variables)}
        )
    unknown = [v for v in variables if v not in PLACEHOLDERS]
    if unknown:
        return str(
            _("unknown variable %(name)s (use nick, order_id or link)") % {"name": unknown[0]}
        )
    filled = iter(variables)
    expected = PROVIDER_VARIABLE.sub(lambda _m: "{" + next(filled) + "}", template).strip()
    if expected != playbook_text.strip():
        same = 0
        while same < min(len(expected), len(playbook_text)) and (
            expected[same] == playbook_text.strip()[same]
        ):
            same += 1
        return str(
            _("the approved template reads “%(template)s”; the texts differ from “%(at)s”")
            % {"template": expected, "at": expected[same : same + 12] or "…"}
        )
    return None


# A buyer's SMS answer that asks to hear no more: 退订 / TD / T / N / 不要再联系 … The
# providers' own unsubscribe words, and what buyers write.
_OPT_OUT = re.compile(
    r"^(?:td|t|n|stop|unsubscribe|退订|退定|取消|不要再?联系(?:我)?|别再?联系(?:我)?|"
    r"不要再?(?:发|打扰)(?:了|我)?|别再?(?:发|打扰)(?:了|我)?|勿扰|拒收)$"
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def is_opt_out(text: str) -> bool:
    """Does this SMS reply ask not to be contacted again? Case, width, spaces and punctuation
    do not matter (" T D。", "退订!", "ＴＤ"); 退订 inside a longer reply counts too."""
    plain = _NOT_WORD.sub("", to_simplified(unicodedata.normalize("NFKC", text)).lower())
    if _OPT_OUT.match(plain):
        return True
    return any(
        word in plain for word in ("退订", "不要再联系", "别再打扰", "不要再打扰", "别再联系")
    )
