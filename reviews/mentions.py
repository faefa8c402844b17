"""Who a review names: a customer-service agent or a courier, so the reports can show the agent
buyers keep naming and the courier with many complaints (seed 000 四.6: learn from the causes).

Precision over recall: a report that blames 小姐 or 小哥 as if they were people is worse than one
that misses a name. An agent is named when the text holds one of the shop's agent aliases (the
name buyers see, `Membership.alias`), or 客服 followed by a nickname (客服小美, 客服阿强), or a
staff number (23号客服, 客服工号1024). A courier is named when the text holds a courier company
(中通, 顺丰 …) or a delivery person with a nickname (快递员老王); both together read "中通 老王".
"""

import re
from collections.abc import Iterable

MAX_LENGTH = 40

# Company names as buyers write them → one spelling per company.
COURIER_NAMES = {
    "顺丰": "顺丰",
    "中通": "中通",
    "圆通": "圆通",
    "韵达": "韵达",
    "申通": "申通",
    "极兔": "极兔",
    "百世": "百世",
    "汇通": "百世",
    "京东物流": "京东物流",
    "京东快递": "京东物流",
    "京东配送": "京东物流",
    "EMS": "EMS",
    "邮政": "邮政",
    "德邦": "德邦",
    "宅急送": "宅急送",
    "天天快递": "天天快递",
    "菜鸟驿站": "菜鸟驿站",
}
_COURIER_RE = re.compile("|".join(sorted(map(re.escape, COURIER_NAMES), key=len, reverse=True)))

# 小/阿/老 + one character is how buyers name a person; these are words, not names.
_NOT_NAMES = set("姐哥妹二伙时心弟孩朋妈爸板子公婆人大家点")
_NICK = r"(?:小|阿|老)[\u4e00-\u9fff]"
_AGENT_NICK_RE = re.compile(rf"客服(?:人员|妹子)?(?:叫|名叫|是)?({_NICK})")
_AGENT_NUMBER_RE = re.compile(
    r"(?<![\d\w])(\d{1,5})\s*号客服|客服\s*(?:工号|编号)\s*[:：]?\s*(\d{2,8})"
)
_COURIER_PERSON_RE = re.compile(rf"(?:快递员|快递小哥|送货员|配送员|派送员|快递)({_NICK})")


def _nick(match: re.Match) -> str | None:
    name = match.group(1)
    return None if name[1] in _NOT_NAMES else name


def named_agent(text: str, aliases: Iterable[str] = ()) -> str:
    """The agent a review names, or ""."""
    for alias in sorted((a for a in aliases if a), key=len, reverse=True):
        if alias in text:
            return alias[:MAX_LENGTH]
    for match in _AGENT_NICK_RE.finditer(text):
        if name := _nick(match):
            return name
    if match := _AGENT_NUMBER_RE.search(text):
        number = match.group(1) or match.group(2)
        return f"{number}号"[:MAX_LENGTH] if match.group(1) else f"工号{number}"[:MAX_LENGTH]
    return ""


def named_courier(text: str) -> str:
    """The courier company and/or delivery person a review names, or ""."""
    company = ""
    if match := _COURIER_RE.search(text):
        company = COURIER_NAMES[match.group(0)]
    person = ""
    for match in _COURIER_PERSON_RE.finditer(text):
        if name := _nick(match):
            person = name
            break
    return " ".join(p for p in (company, person) if p)[:MAX_LENGTH]
