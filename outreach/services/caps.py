"""The buyers' caps for the chunk planner (services.first_plan): how many calls and messages
each buyer has on a local day, counted as guardrails.contacts_on_day counts them, from one read
for a whole chunk."""

from collections import defaultdict
from datetime import datetime, time, timedelta

from ..guardrails import CAPPED_MESSAGE_STATES, CAPPED_PLAN_STATES
from ..models import (
    MESSAGE_CHANNELS,
    Channel,
    ContactAttempt,
    Message,
    PlannedContact,
)


# What guardrails.contacts_on_day counts: open plans, and messages the buyer gets or may get.
class BuyerCaps:
    """The buyers' calls and messages on each local day, as guardrails.contacts_on_day counts
    them: what the database holds, read once for the chunk (again for a buyer whose review,
    handed off again, cancelled some), plus what the chunk has planned so far."""

    def __init__(self, buyer_ids: list[int], *, since: datetime) -> None:
        self.since = since
        self.stored: dict[int, tuple[list[datetime], list[datetime]]] = {}
        self.new: dict[int, tuple[list[datetime], list[datetime]]] = defaultdict(lambda: ([], []))
        self._read(buyer_ids)

    def _read(self, buyer_ids: list[int]) -> None:
        for buyer_id in buyer_ids:
            self.stored[buyer_id] = ([], [])
        if not buyer_ids:
            return
        since = self.since
        plans = PlannedContact.objects.filter(
            buyer_id__in=buyer_ids, state__in=CAPPED_PLAN_STATES, due_at__gte=since
        ).values_list("buyer_id", "channel", "due_at")
        for buyer_id, channel, due_at in plans:
            _count_in(self.stored[buyer_id], channel, due_at)
        attempts = ContactAttempt.objects.filter(
            buyer_id__in=buyer_ids, channel=Channel.PHONE, created_at__gte=since
        ).values_list("buyer_id", "created_at")
        for buyer_id, created_at in attempts:
            self.stored[buyer_id][0].append(created_at)
        messages = Message.objects.filter(
            buyer_id__in=buyer_ids, state__in=CAPPED_MESSAGE_STATES, created_at__gte=since
        ).values_list("buyer_id", "created_at")
        for buyer_id, created_at in messages:
            self.stored[buyer_id][1].append(created_at)

    def reread(self, buyer_id: int) -> None:
        """A review of this buyer, handed off again, cancelled plans or stopped messages."""
        if buyer_id in self.stored:
            self._read([buyer_id])

    def add(self, buyer_id: int, channel: str, due_at: datetime) -> None:
        _count_in(self.new[buyer_id], channel, due_at)

    def remove(self, buyer_id: int, channel: str, due_at: datetime) -> None:
        calls, messages = self.new[buyer_id]
        if channel == Channel.PHONE:
            calls.remove(due_at)
        elif channel in MESSAGE_CHANNELS:
            messages.remove(due_at)

    def on_day(self, buyer, moment: datetime, *, call: bool, exclude_planned_id=None) -> int:
        tz = buyer.tz
        start = datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)
        end = start + timedelta(days=1)
        which = 0 if call else 1
        moments = self.stored.get(buyer.pk, ([], []))[which] + self.new[buyer.pk][which]
        return sum(1 for m in moments if start <= m < end)


def _count_in(lists: tuple[list, list], channel: str, due_at: datetime) -> None:
    if channel == Channel.PHONE:
        lists[0].append(due_at)
    elif channel in MESSAGE_CHANNELS:
        lists[1].append(due_at)
