"""Every guardrail of issue 5 in one place: the planner, the services and the sender ask here.

- quiet hours in the buyer's local time (seed 004 二②: no harassment);
- per-buyer caps across all of a shop's reviews;
- do-not-contact, honoured everywhere;
- extortion-flagged reviews go to a team lead (compensation on them waits for a lead's
  approval: services.contact_log decides it, with the shop's amount threshold);
- compensation never traded for a review (seed 002 Q3: 切忌以评价换取客诉处理).
"""

import re
import string
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

EXTORTION_FLAG = "extortion_suspected"


class GuardrailError(Exception):
    def __init__(self, code: str, message) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


# ---- quiet hours and working hours -------------------------------------------------------


def _in_window(t: time, start: time, end: time) -> bool:
    """Is `t` in [start, end)?  Windows may wrap midnight (21:30–09:00)."""
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def is_quiet(moment: datetime, *, playbook, buyer_tz: ZoneInfo) -> bool:
    local = moment.astimezone(buyer_tz).time()
    return _in_window(local, playbook.quiet_start, playbook.quiet_end)


def _next_time_of_day(moment: datetime, tz: ZoneInfo, at: time) -> datetime:
    local = moment.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate


def next_allowed(
    moment: datetime, *, playbook, buyer_tz: ZoneInfo, shop_tz: ZoneInfo, call: bool
) -> datetime:
    """The first minute at or after `moment` outside the buyer's quiet hours (and, for a call,
    inside the agents' working hours in the shop's time zone)."""
    for _attempt in range(6):
        if is_quiet(moment, playbook=playbook, buyer_tz=buyer_tz):
            moment = _next_time_of_day(moment, buyer_tz, playbook.quiet_end)
            continue
        if call and not _in_window(
            moment.astimezone(shop_tz).time(), playbook.work_start, playbook.work_end
        ):
            moment = _next_time_of_day(moment, shop_tz, playbook.work_start)
            continue
        return moment
    return moment


# ---- per-buyer caps ----------------------------------------------------------------------


def _local_day_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = moment.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def contacts_on_day(buyer, moment: datetime, *, call: bool, exclude_planned_id=None) -> int:
    """Calls (or messages) to `buyer` on the buyer's local day of `moment`, across every
    review of the shop: done ones plus those still planned for that day."""
    from .models import (
        MESSAGE_CHANNELS,
        Channel,
        ContactAttempt,
        Message,
        MessageState,
        PlannedContact,
        PlanState,
    )

    start, end = _local_day_bounds(moment, buyer.tz)
    channels = [Channel.PHONE] if call else MESSAGE_CHANNELS
    planned = PlannedContact.objects.filter(
        buyer=buyer,
        channel__in=channels,
        due_at__gte=start,
        due_at__lt=end,
        state__in=[PlanState.PLANNED, PlanState.CLAIMED],
    ).exclude(id=exclude_planned_id)
    if call:
        done = ContactAttempt.objects.filter(
            buyer=buyer, channel=Channel.PHONE, created_at__gte=start, created_at__lt=end
        ).count()
    else:
        done = Message.objects.filter(
            buyer=buyer,
            created_at__gte=start,
            created_at__lt=end,
            state__in=[MessageState.QUEUED, MessageState.SENDING, MessageState.SENT],
        ).count()
    return done + planned.count()


def fit_caps_and_hours(
    moment: datetime, *, buyer, playbook, call: bool, exclude_planned_id=None
) -> datetime:
    """The first allowed minute at or after `moment` whose day still has room under the
    buyer's cap (2 calls / 3 messages a day by default)."""
    shop_tz = buyer.shop.tz
    cap = playbook.max_calls_per_day if call else playbook.max_messages_per_day
    for _day in range(14):
        moment = next_allowed(
            moment, playbook=playbook, buyer_tz=buyer.tz, shop_tz=shop_tz, call=call
        )
        used = contacts_on_day(buyer, moment, call=call, exclude_planned_id=exclude_planned_id)
        if used < cap:
            return moment
        _start, end = _local_day_bounds(moment, buyer.tz)
        moment = end
    return moment


# ---- do-not-contact ----------------------------------------------------------------------


def check_contactable(buyer) -> None:
    if buyer is None:
        raise GuardrailError("no_buyer", _("This review has no known buyer to contact."))
    if buyer.do_not_contact_at is not None:
        raise GuardrailError("do_not_contact", _("The buyer asked not to be contacted."))


# ---- extortion ---------------------------------------------------------------------------


def is_extortion_suspected(review) -> bool:
    return EXTORTION_FLAG in (review.flags or [])


# ---- compliance: never trade compensation for a review ------------------------------------

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


def check_compliance(text: str) -> None:
    if problem := compliance_problem(text):
        raise GuardrailError("compliance", problem)


def mentions_review(text: str) -> bool:
    """Seed 000 四.2: after six months, never make the buyer recall the bad experience."""
    return bool(re.search(r"评价|评论|差评|中评|好评|追评", text))


# ---- message templates ---------------------------------------------------------------------

# The placeholders outreach.services._render fills in; anything else crashes it at send time.
PLACEHOLDERS = ("nick", "order_id", "link")


def template_problem(name: str, text: str) -> str | None:
    """Why the template `name` cannot be used, or None: the lead's form and the admin (through
    Playbook.clean) both refuse what the planner would trip over at send time."""
    from .models import DEFAULT_TEMPLATES

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
