"""Every guardrail in one place: the planner, the services and the sender ask here.

- quiet hours in the buyer's local time (seed 004 二②: no harassment);
- an agent's call only in the shop's working minutes: its working hours on its working days
  (public holidays, 调休 and the shop's local days: outreach.workcalendar);
- per-buyer caps across all of a shop's reviews;
- do-not-contact, honoured everywhere;
- extortion-flagged reviews go to a team lead (compensation on them waits for a lead's
  approval: services.contact_log decides it, with the shop's amount threshold);
- compensation never traded for a review: check_compliance refuses, with the reason that
  outreach.wording gives.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from . import wording, workcalendar
from .models import (
    MESSAGE_CHANNELS,
    Channel,
    ContactAttempt,
    Message,
    MessageState,
    PlannedContact,
    PlanState,
)

EXTORTION_FLAG = "extortion_suspected"


class GuardrailError(Exception):
    def __init__(self, code: str, message) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


# Quiet hours and working hours.


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
    moment: datetime,
    *,
    playbook,
    buyer_tz: ZoneInfo,
    shop_tz: ZoneInfo,
    call: bool,
    calendar: workcalendar.ShopCalendar | None = None,
) -> datetime:
    """The first minute at or after `moment` outside the buyer's quiet hours (and, for a call,
    a working minute of the shop: its working hours on one of its working days)."""
    if call and calendar is None:
        calendar = playbook.working_calendar()
    for _attempt in range(6):
        if is_quiet(moment, playbook=playbook, buyer_tz=buyer_tz):
            moment = _next_time_of_day(moment, buyer_tz, playbook.quiet_end)
            continue
        if call and not workcalendar.is_working_minute(calendar, moment):
            moment = workcalendar.next_working_minute(calendar, moment)
            continue
        return moment
    return moment


# Per-buyer caps.


def _local_day_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = moment.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


# What counts against a buyer's caps: plans still to happen, and messages the buyer gets or
# may get (services.caps counts the same for a whole chunk).
CAPPED_PLAN_STATES = [PlanState.PLANNED, PlanState.CLAIMED]
CAPPED_MESSAGE_STATES = [
    MessageState.QUEUED,
    MessageState.SENDING,
    MessageState.SENT,
    MessageState.DELIVERED,
    MessageState.UNKNOWN,  # the provider may have sent it
    # Waiting for a person, or sent by one: the buyer gets it all the same.
    MessageState.BY_HAND,
    MessageState.SENT_BY_HAND,
]


def contacts_on_day(buyer, moment: datetime, *, call: bool, exclude_planned_id=None) -> int:
    """Calls (or messages) to `buyer` on the buyer's local day of `moment`, across every
    review of the shop: done ones plus those still planned for that day."""
    start, end = _local_day_bounds(moment, buyer.tz)
    channels = [Channel.PHONE] if call else MESSAGE_CHANNELS
    planned = PlannedContact.objects.filter(
        buyer=buyer,
        channel__in=channels,
        due_at__gte=start,
        due_at__lt=end,
        state__in=CAPPED_PLAN_STATES,
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
            state__in=CAPPED_MESSAGE_STATES,
        ).count()
    return done + planned.count()


def fit_caps_and_hours(
    moment: datetime, *, buyer, playbook, call: bool, exclude_planned_id=None, count=None
) -> datetime:
    """The first allowed minute at or after `moment` whose day still has room under the
    buyer's cap (2 calls / 3 messages a day by default). `count` counts a day's contacts as
    contacts_on_day does (the chunk planner's, from what it read once)."""
    count = count or contacts_on_day
    shop_tz = buyer.shop.tz
    cap = playbook.max_calls_per_day if call else playbook.max_messages_per_day
    calendar = playbook.working_calendar() if call else None
    for _day in range(14):
        moment = next_allowed(
            moment,
            playbook=playbook,
            buyer_tz=buyer.tz,
            shop_tz=shop_tz,
            call=call,
            calendar=calendar,
        )
        used = count(buyer, moment, call=call, exclude_planned_id=exclude_planned_id)
        if used < cap:
            return moment
        _start, end = _local_day_bounds(moment, buyer.tz)
        moment = end
    return moment


# Do-not-contact.


def check_contactable(buyer) -> None:
    if buyer is None:
        raise GuardrailError("no_buyer", _("This review has no known buyer to contact."))
    if buyer.do_not_contact_at is not None:
        raise GuardrailError("do_not_contact", _("The buyer asked not to be contacted."))


# Extortion.


def is_extortion_suspected(review) -> bool:
    return EXTORTION_FLAG in (review.flags or [])


def check_compliance(text: str) -> None:
    if problem := wording.compliance_problem(text):
        raise GuardrailError("compliance", problem)
