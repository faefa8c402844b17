"""The public reply (评价解释), composed and checked (seed 000 四.5).

Pure text: templates per situation with several wordings each (so a shop's replies don't all
read the same), filled in with the real contact attempts and their times; checks for tone,
personal data, the platform's length limit, and the compliance rule of the guardrails.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from reviews.privacy import PHONE_RE

from . import wording
from .platforms import rules_for


class Situation:
    SOLVED = "solved"
    UNREACHABLE = "unreachable"
    MISUNDERSTANDING = "misunderstanding"
    HISTORICAL = "historical"


SITUATION_LABELS = {
    Situation.SOLVED: _("Problem solved"),
    Situation.UNREACHABLE: _("Buyer unreachable"),
    Situation.MISUNDERSTANDING: _("Buyer-side misunderstanding"),
    Situation.HISTORICAL: _("Historical review"),
}

# {attempts}: "10号11:15、10号晚上20:25"; {cause_phrase}: what went wrong, in the shop's words.
# Apologise, list the real attempts, invite the buyer to a supervisor, mention what's new —
# never harsh, never sarcastic: later buyers read it.
TEMPLATES: dict[str, tuple[str, ...]] = {
    Situation.SOLVED: (
        "亲，非常抱歉{cause_phrase}给您带来了不好的体验。我们已与您沟通并处理，感谢您的理解与耐心。"
        "后续有任何问题，欢迎随时联系我们的客服主管，我们一定负责到底。店里上了新品，期待再次为您服务。",
        "您好，关于{cause_phrase}，我们深表歉意。问题已经和您一起处理好了，谢谢您给我们改进的机会。"
        "如还有不满意的地方，请直接联系店铺客服主管，我们会第一时间跟进。",
        "亲爱的顾客，{cause_phrase}让您失望了，真的很抱歉。我们已经按您的意愿处理完毕，"
        "也会把您的意见转给相关同事改进。欢迎常来看看我们的新品。",
    ),
    Situation.UNREACHABLE: (
        "亲，非常抱歉{cause_phrase}给您带来了困扰。我们分别在{attempts}给您致电，可惜都没能联系上您。"
        "看到后请联系我们的客服主管，我们一定尽快为您解决。",
        "您好，看到您的反馈我们非常重视，{cause_phrase}确实是我们需要改进的地方。"
        "我们在{attempts}尝试联系您未果，您方便时请联系店铺客服主管，我们随时为您处理。",
        "亲爱的顾客，抱歉{cause_phrase}影响了您的购物体验。我们于{attempts}多次联系您，暂时没有接通。"
        "期待您的回复，客服主管会全程为您跟进。",
    ),
    Situation.MISUNDERSTANDING: (
        "亲，感谢您的反馈，很遗憾这次的商品没能让您满意。我们分别在{attempts}和您沟通过，"
        "如果还有任何疑问，欢迎联系客服主管，我们很乐意为您详细说明。店里上了新品，欢迎来看看。",
        "您好，谢谢您花时间留下感受。每个人的喜好不同，我们理解您的心情，"
        "也会把商品介绍写得更清楚。有任何需要，请随时联系我们的客服主管。",
        "亲爱的顾客，抱歉这次的购物和您的预期有差距。我们在{attempts}联系过您，"
        "后续如有需要，客服主管随时为您服务，期待下次给您更好的体验。",
    ),
    Situation.HISTORICAL: (
        "亲，抱歉这么久才回复您。{cause_phrase}的问题我们已经改进，"
        "欢迎您随时联系客服主管，也欢迎来看看店里的新品。",
        "您好，非常抱歉没能及时联系到您。您提到的{cause_phrase}我们一直记在心上并做了改进，"
        "有任何需要请联系店铺客服主管。",
        "亲爱的顾客，迟到的回复请您见谅。感谢您当时的反馈，{cause_phrase}方面我们已经做了调整，"
        "期待再次为您服务。",
    ),
}

# What went wrong, in words fit for a public reply (no blame, no details).
CAUSE_PHRASES = {
    "courier_speed": "物流速度",
    "courier_attitude": "快递服务",
    "lost_or_misdelivered": "包裹配送",
    "logistics_other": "物流环节",
    "quality": "商品质量",
    "damaged": "商品破损",
    "not_as_described": "商品与描述的差异",
    "wrong_or_missing_item": "发货差错",
    "shipping_delay": "发货不及时",
    "customer_service": "我们客服的服务",
    "price": "价格问题",
    "product_service_other": "这次的购物体验",
    "dislike_or_expectation": "商品不合心意",
    "ordered_wrong": "选购时的不便",
    "misoperation": "这次的购物体验",
    "price_regret": "价格变动",
    "malicious": "这次的购物体验",
    "buyer_side_other": "这次的购物体验",
    "unclear": "这次的购物体验",
}

_PERIODS = ((0, "凌晨"), (6, "上午"), (11, "中午"), (13, "下午"), (18, "晚上"))


def attempt_phrase(moments: Sequence[datetime], tz: ZoneInfo) -> str:
    """ "10号11:15、10号晚上20:25" — the real attempts, in the shop's time zone, oldest first."""
    parts = []
    for moment in sorted(moments):
        local = moment.astimezone(tz)
        period = next(name for hour, name in reversed(_PERIODS) if local.hour >= hour)
        period = "" if period in ("上午", "中午") else period
        parts.append(f"{local.day}号{period}{local:%H:%M}")
    return "、".join(parts)


def suggest_situation(
    *, subcause: str, cause: str, status: str, age_days: int, attempts: int
) -> str:
    if age_days > 30 and attempts == 0:
        return Situation.HISTORICAL
    if status in ("unreachable",) or (attempts and status in ("new", "contacting")):
        return Situation.UNREACHABLE
    if cause == "buyer_side":
        return Situation.MISUNDERSTANDING
    return Situation.SOLVED


def compose(
    *, situation: str, subcause: str, attempts: Sequence[datetime], tz: ZoneInfo, variant: int
) -> str:
    """Fill the `variant`-th wording (wraps around) of a situation's template."""
    wordings = TEMPLATES[situation]
    text = wordings[variant % len(wordings)]
    if "{attempts}" in text and not attempts:
        # Never invent contact attempts: pick a wording that does not list them.
        without = [w for w in wordings if "{attempts}" not in w] or list(
            TEMPLATES[Situation.SOLVED]
        )
        text = without[variant % len(without)]
    return text.format(
        attempts=attempt_phrase(attempts, tz),
        cause_phrase=CAUSE_PHRASES.get(subcause, "这次的购物体验"),
    )


# Checks.

# Harsh, sarcastic or blaming wording: later buyers read the reply (seed 000 四.5).
_TONE = [
    (
        re.compile(r"恶意|差评师|敲诈|勒索|骗子|无理取闹|胡说|乱说|造谣|诬陷|污蔑"),
        _("accuses the buyer"),
    ),
    (
        re.compile(r"你自己|您自己的问题|自己不会|不会用|看不懂|眼瞎|没长眼|智商|活该|怪谁|怪你"),
        _("blames the buyer"),
    ),
    (
        re.compile(r"呵呵|嘻嘻|真是厉害|好意思|爱买不买|不买拉倒|随便你|别买|滚|有病|脑子"),
        _("sounds sarcastic or rude"),
    ),
    (re.compile(r"[!！]{2,}|[?？]{2,}"), _("shouts (repeated ! or ?)")),
]

_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_ADDRESS = re.compile(
    r"[\u4e00-\u9fa5]{2,}(?:省|市)[\u4e00-\u9fa5]{1,}(?:区|县|市)|[\u4e00-\u9fa5\d]{2,}(?:路|街|巷|弄)\d+号|\d+(?:号楼|栋|单元|室)"
)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    blocking: bool = True


def check_reply(text: str, *, platform: str, order_id: str = "", phone: str = "") -> list[Problem]:
    """Everything wrong with `text` as a public reply; an empty list means it may go to a lead."""
    problems: list[Problem] = []
    stripped = text.strip()
    if not stripped:
        return [Problem("empty", str(_("Write the reply first.")))]
    for pattern, why in _TONE:
        if match := pattern.search(stripped):
            problems.append(
                Problem(
                    "tone",
                    str(_("Tone: “%(words)s” %(why)s.") % {"words": match.group(0), "why": why}),
                )
            )
    if _PHONE.search(stripped) or PHONE_RE.search(stripped) or (phone and phone in stripped):
        problems.append(
            Problem("pii_phone", str(_("Personal data: the reply contains a phone number.")))
        )
    if _ADDRESS.search(stripped):
        problems.append(
            Problem("pii_address", str(_("Personal data: the reply contains an address.")))
        )
    if len(order_id) >= 6 and order_id in stripped:
        problems.append(
            Problem("pii_order", str(_("Personal data: the reply contains the full order number.")))
        )
    rules = rules_for(platform)
    if rules.reply_max_chars is not None and len(stripped) > rules.reply_max_chars:
        problems.append(
            Problem(
                "too_long",
                str(
                    _("Too long: %(n)d characters, the platform accepts %(max)d.")
                    % {"n": len(stripped), "max": rules.reply_max_chars}
                ),
            )
        )
    if compliance := wording.compliance_problem(stripped):
        problems.append(Problem("compliance", compliance))
    return problems
