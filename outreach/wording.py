"""The words outreach sends: the default message templates, how they are filled in, and the
rules any text to a buyer must keep — never a reward for a review (seed 002 Q3: 切忌以评价换取
客诉处理), no mention of the review after six months (seed 000 四.2), only the placeholders the
planner fills in.

Pure text: no database, no Django models — the planner, the lead's form, the admin (through
Playbook.clean) and the reply checks all ask here, so they cannot disagree.
"""

import re
import string

from django.utils.translation import gettext_lazy as _

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


# A change of the review (…好评, 删差评, 修改评价, 追加好评, 五星…) …
_REVIEW_CHANGE = re.compile(
    r"好评|差评|中评|五星|5星|追评|追加评|晒图|删评|改评|"
    r"(?:修改|更改|删除|删掉|删|改|撤销|撤回|追加)(?:一下|下)?(?:您的|你的)?(?:评价|评论)"
)
# … next to money or goods (返现, 红包, 退款, 礼品, 优惠券, 20元…).
_COMPENSATION = re.compile(
    r"返现|返钱|返款|返利|返[\d一二三四五六七八九十两]|返还|红包|退款|退钱|退差价|补偿|赔偿|"
    r"现金|礼品|礼物|赠品|小礼|优惠券|代金券|券|奖励|报销|包邮|免单|"
    r"[\d一二三四五六七八九十两百]+\s*(?:元|块|块钱)"
)
# Phrases that are a trade on their own.
_TRADE_PHRASES = re.compile(r"好评返|五星返|评价返|晒图返|返现好评|好评有礼|好评送")


def compliance_problem(text: str) -> str | None:
    """Why `text` may not be sent to a buyer, or None.

    Refuses wording that ties compensation to a better review (好评返现, 改好评就退款,
    删差评给红包, 追加好评返红包, 修改评价…返…).  Deliberately strict: review talk and
    compensation talk never share one message, so no message can read as a trade.
    """
    compact = re.sub(r"\s+", "", text)
    if _TRADE_PHRASES.search(compact):
        return str(_("Offers a reward for a review (platform rules forbid it)."))
    change = _REVIEW_CHANGE.search(compact)
    money = _COMPENSATION.search(compact)
    if change and money:
        return str(
            _(
                'Mentions "%(review)s" together with "%(money)s": compensation must never '
                "depend on the review."
            )
            % {"review": change.group(0), "money": money.group(0)}
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
