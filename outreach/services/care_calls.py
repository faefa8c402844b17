"""The care call of a high-value order (seed 004 四②): planned from the order export for the
evening of its delivery day, before any review exists, and logged by an agent.

It belongs to the order (outreach.models.CareCall), not to a review: there is no review yet,
and a review that arrives later for the order shows the call on its page instead of planning
one of its own (first_plan._Chunk._care_call).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from reviews.models import Order

from .. import workcalendar
from ..models import CareCall, Playbook


def care_window(order: Order, playbook: Playbook) -> tuple[datetime, datetime]:
    """18:00–19:00 (the playbook's window) of the delivery day, in the shop's time zone; on a
    day the shop does not work (a public holiday, its own day off), the window of the next
    working day, as for a review's care call (first_plan._Chunk._care_call)."""
    tz = order.shop.tz
    day = order.delivered_at.astimezone(tz).date()
    calendar = playbook.working_calendar()
    if not workcalendar.is_working_day(calendar, day):
        start = datetime.combine(day, playbook.care_call_start, tzinfo=tz)
        day = workcalendar.next_working_minute(calendar, start).astimezone(tz).date()
    return (
        datetime.combine(day, playbook.care_call_start, tzinfo=tz),
        datetime.combine(day, playbook.care_call_end, tzinfo=tz),
    )


def wants_care_call(order: Order) -> bool:
    if order.delivered_at is None or order.amount is None or order.is_closed:
        return False
    if order.amount <= order.shop.high_value_threshold:
        return False
    buyer = order.buyer
    return buyer is not None and bool(buyer.phone) and buyer.do_not_contact_at is None


@transaction.atomic
def order_plan_care_call(*, order: Order, now: datetime | None = None) -> CareCall | None:
    """Plan (or move, when a re-import changed the delivery day) the order's care call.

    Returns the call planned or moved, None otherwise: a low-value or closed order, a buyer
    who cannot be called, a window already over, a call already logged. An open call the
    order no longer wants is withdrawn."""
    now = now or timezone.now()
    existing = CareCall.objects.select_for_update().filter(order=order).first()
    if existing is not None and existing.outcome:
        return None  # done: a later export never plans it again
    window = (
        care_window(order, Playbook.objects.for_shop(order.shop)) if order.delivered_at else None
    )
    if not wants_care_call(order) or window is None or now >= window[1]:
        if existing is not None:
            # Not made yet and no longer wanted (a later export shows the order closed, or
            # its delivery on a day already past): it leaves the queue.
            existing.delete()
        return None
    start, end = window
    due = max(now, start)
    if existing is None:
        return CareCall.objects.create(shop=order.shop, order=order, due_at=due, deadline_at=end)
    if existing.deadline_at == end:
        return None
    existing.due_at, existing.deadline_at = due, end
    existing.save(update_fields=["due_at", "deadline_at"])
    return existing


def carecall_log(*, care_call: CareCall, outcome: str, note: str, user) -> bool:
    """The agent's outcome of the call. Conditional: of two agents logging at once, the first
    wins and the second is told (False)."""
    now = timezone.now()
    return bool(
        CareCall.objects.filter(id=care_call.id, outcome="").update(
            outcome=outcome, note=note[:500], logged_at=now, logged_by=user
        )
    )
