"""The scheduler: planned items fall due at their minute, exactly once.

PostgreSQL holds the schedule (a PlannedContact row per item, its minute in UTC, a state) and
Celery only delivers: beat runs `outreach_tick` every few seconds, which claims what falls due
within a short look-ahead with a conditional update and enqueues it with an ETA of seconds;
the worker claims again inside the transaction that fires it. Celery's own ETA handling on
Redis is no scheduler — an unacknowledged message is redelivered after the visibility timeout,
counted from delivery, so a long countdown runs several times — and beat entries per item do
not scale; neither is used.
"""

import logging
import time as monotonic_time
from datetime import datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews import timeline
from reviews.models import Status

from .. import guardrails
from ..models import (
    Kind,
    PlannedContact,
    PlanState,
    Playbook,
    is_agent_task,
)
from .arrival import plannedcontacts_assign_when_due
from .delivery import message_create, message_sweep
from .lead_alerts import leadalert_sweep, missed_slot_alert
from .planning import REVISE_KINDS, plan_next_persistence, revise_closed

logger = logging.getLogger(__name__)

# outreach.tasks registers the task under this name (services never import tasks).
FIRE_TASK = "outreach.tasks.fire_planned_task"


def send_fire(ids: list[int], eta: datetime | None) -> None:
    """Enqueue the firing of claimed items (the worker's side: plannedcontact_fire)."""
    current_app.send_task(FIRE_TASK, args=(ids,), eta=eta, retry=False)


def _conf() -> dict:
    # settings.OUTREACH_DISPATCH = {"LOOKAHEAD_SECONDS", "CLAIM_LEASE_SECONDS", "BATCH_SIZE"}
    return settings.OUTREACH_DISPATCH


def outreach_tick() -> int:
    """What beat runs every few seconds: reap, dispatch, escalate, sweep the outbox."""
    plannedcontact_reap()
    claimed = plannedcontact_dispatch_due()
    plannedcontact_escalate_missed()
    message_sweep()
    leadalert_sweep()
    return claimed


def plannedcontact_dispatch_due(*, now: datetime | None = None) -> int:
    """Claim what falls due within the look-ahead and enqueue it with a short ETA.

    The ETA is at most the look-ahead — seconds, far below Redis' visibility_timeout — so
    Celery's ETA handling cannot redeliver or hold anything for long. If the broker is down
    the claims are undone and the next tick tries again: nothing is lost, the rows are the
    truth.
    """
    conf = _conf()
    batch = int(conf["BATCH_SIZE"])
    claimed_total = 0
    stop_at = monotonic_time.monotonic() + 4
    while True:
        now_tick = now or timezone.now()
        horizon = now_tick + timedelta(seconds=float(conf["LOOKAHEAD_SECONDS"]))
        with transaction.atomic():
            rows = list(
                PlannedContact.objects.select_for_update(skip_locked=True)
                .filter(state=PlanState.PLANNED, due_at__lte=horizon)
                .order_by("due_at")
                .values_list("id", "due_at")[: batch * 10]
            )
            if not rows:
                break
            PlannedContact.objects.filter(
                id__in=[row[0] for row in rows], state=PlanState.PLANNED
            ).update(state=PlanState.CLAIMED, claimed_at=now_tick, attempts=F("attempts") + 1)
        claimed_total += len(rows)
        # One task per batch of items due in the same second; its ETA is the latest due_at
        # of the batch, so nothing fires early.
        chunks: list[tuple[datetime, list[int]]] = []
        for _second, group in groupby(rows, key=lambda row: row[1].replace(microsecond=0)):
            group_rows = list(group)
            for i in range(0, len(group_rows), batch):
                part = group_rows[i : i + batch]
                chunks.append((part[-1][1], [row[0] for row in part]))
        for n, (eta, ids) in enumerate(chunks):
            try:
                send_fire(ids, eta if eta > now_tick else None)
            except Exception:
                logger.exception("broker unavailable; un-claiming %s items", len(rows))
                unsent = [i for _second, chunk in chunks[n:] for i in chunk]
                PlannedContact.objects.filter(id__in=unsent, state=PlanState.CLAIMED).update(
                    state=PlanState.PLANNED, claimed_at=None
                )
                return claimed_total - len(unsent)
        if len(rows) < batch * 10 or monotonic_time.monotonic() > stop_at:
            break
    return claimed_total


def plannedcontact_fire(*, ids: list[int]) -> list[int]:
    """Fire claimed items: an agent's task becomes due, a message goes to the outbox.

    The worker claims again (claimed → due/done) inside the transaction that does the side
    effect, so a redelivered or duplicated task finds nothing left to do.
    """
    now = timezone.now()
    fired: list[int] = []
    with transaction.atomic():
        # Plain tuples, not model instances: 10,000 follow-ups falling due in the same
        # minute are decided here, and building five models per row was the bulk of the
        # cost (bench_scheduler). Anything off the common path is loaded in full below.
        rows = list(
            PlannedContact.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=ids, state=PlanState.CLAIMED)
            .values_list(
                *("id", "kind", "channel", "shop_id", "review_id", "review__status"),
                *("buyer_id", "buyer__do_not_contact_at", "buyer__timezone", "shop__timezone"),
                *("assigned_to_id", "review__assigned_to_id"),
            )
        )
        if not rows:
            return fired
        playbooks: dict[int, Playbook] = {}
        due_ids: list[int] = []
        events: list[timeline.Pending] = []
        others: list[int] = []
        nobodys: dict[int, int] = {}  # item -> review, for items of unassigned reviews
        for row in rows:
            pid, kind, channel, shop_id, review_id, status, buyer_id, dnc, buyer_tz, tz = row[:10]
            if row[10] is None and row[11] is None:
                nobodys[pid] = review_id
            if shop_id not in playbooks:
                playbooks[shop_id] = Playbook.objects.get_or_create(shop_id=shop_id)[0]
            common = (
                is_agent_task(kind, channel)
                and buyer_id is not None
                and dnc is None
                and status not in (Status.REVISED, Status.CLOSED)
                and (
                    kind == Kind.REPLY_TASK
                    or not guardrails.is_quiet(
                        now, playbook=playbooks[shop_id], buyer_tz=ZoneInfo(buyer_tz or tz)
                    )
                )
            )
            if not common:
                others.append(pid)
                continue
            due_ids.append(pid)
            events.append(timeline.due(review_id, plan_id=pid, kind=kind, commit=False))
        for planned in PlannedContact.objects.filter(id__in=others).select_related(
            "review", "buyer", "shop"
        ):
            # Rows locked above: cancelled, moved out of quiet hours, or sent as a message.
            outcome = _fire_one(planned, playbook=playbooks[planned.shop_id], now=now)
            if outcome == "sent":
                fired.append(planned.id)
            elif outcome == "due":  # e.g. a care call, which a revised review does not stop
                due_ids.append(planned.id)
                events.append(
                    timeline.due(
                        planned.review_id, plan_id=planned.id, kind=planned.kind, commit=False
                    )
                )
        if due_ids:
            updated = PlannedContact.objects.filter(id__in=due_ids, state=PlanState.CLAIMED).update(
                state=PlanState.DUE, fired_at=timezone.now()
            )
            assert updated == len(due_ids), "rows locked above cannot change under us"
            timeline.save_all(events)
            fired += due_ids
            if unassigned := sorted({nobodys[pid] for pid in due_ids if pid in nobodys}):
                # A review still unassigned when its call falls due (a serious one that
                # waited out its cooling-off): whoever is on shift now with room takes it.
                plannedcontacts_assign_when_due(review_ids=unassigned, now=now)
    return fired


def _fire_one(planned: PlannedContact, *, playbook: Playbook, now) -> str:
    """Decide one claimed item: 'due' (agent task; done in bulk by the caller), 'sent'
    (message written to the outbox), 'cancelled' or 'rescheduled'."""
    buyer = planned.buyer
    review = planned.review
    finished = review.status in (Status.REVISED, Status.CLOSED) and planned.kind != Kind.CARE_CALL
    # Defence in depth: the revision stops everything when it is recorded (services.revision),
    # but nothing that asks for a revision may go out once the buyer can no longer make one.
    too_late = (
        planned.kind in REVISE_KINDS
        and not planned.is_agent_task
        and revise_closed(review, now=now)
    )
    if buyer is None or buyer.do_not_contact_at is not None or finished or too_late:
        PlannedContact.objects.filter(id=planned.id).update(
            state=PlanState.CANCELLED, finished_at=now
        )
        reason = "stale"
        if review.status == Status.REVISED:
            reason = "review_revised"
        elif too_late:
            reason = "revision_window_closed"
        timeline.cancelled(review, plan_id=planned.id, kind=planned.kind, reason=reason)
        return "cancelled"
    is_agent = planned.is_agent_task
    if planned.kind != Kind.REPLY_TASK and guardrails.is_quiet(
        now, playbook=playbook, buyer_tz=buyer.tz
    ):
        # Rules may have changed since planning: never at 3 a.m., whatever was planned.
        later = guardrails.next_allowed(
            now, playbook=playbook, buyer_tz=buyer.tz, shop_tz=planned.shop.tz, call=is_agent
        )
        PlannedContact.objects.filter(id=planned.id).update(
            state=PlanState.PLANNED, claimed_at=None, due_at=later
        )
        timeline.moved(
            review, plan_id=planned.id, kind=planned.kind, due_at=later, why=timeline.QUIET_HOURS
        )
        return "rescheduled"
    if is_agent:
        return "due"
    PlannedContact.objects.filter(id=planned.id).update(
        state=PlanState.DONE, fired_at=now, finished_at=now
    )
    message_create(
        review=review,
        kind=planned.kind,
        channel=planned.channel,
        body=planned.body,
        planned=planned,
        now=now,
    )
    if planned.kind == Kind.PERSISTENCE:
        plan_next_persistence(review=review, playbook=playbook, now=now)
    return "sent"


def plannedcontact_reap(*, now: datetime | None = None) -> int:
    """Free items stuck in 'claimed' (their task was lost with a Redis restart, or a worker
    died holding it) so the dispatcher hands them out again. Safe against a late original:
    firing is a conditional update, so only one of the two copies can win."""
    now = now or timezone.now()
    lease = timedelta(seconds=float(_conf()["CLAIM_LEASE_SECONDS"]))
    return PlannedContact.objects.filter(
        state=PlanState.CLAIMED, claimed_at__lt=now - lease, due_at__lt=now - lease
    ).update(state=PlanState.PLANNED, claimed_at=None)


def plannedcontact_escalate_missed(*, now: datetime | None = None) -> int:
    """A follow-up whose minute passed with nothing logged (15 min by default) is escalated:
    on the timeline, on the lead's board (its missed slots), and to the shop's leads by
    e-mail and chat robot (lead_alerts; sent by the worker within seconds)."""
    now = now or timezone.now()
    escalated = 0
    for planned in PlannedContact.objects.filter(
        state=PlanState.DUE, deadline_at__lt=now
    ).select_related("review", "shop", "assigned_to"):
        # The claim, its event and the alert rows commit together: exactly one escalation,
        # and exactly one alert per channel, whatever ticks overlap.
        with transaction.atomic():
            if not PlannedContact.objects.filter(id=planned.id, state=PlanState.DUE).update(
                state=PlanState.MISSED, escalated_at=now
            ):
                continue
            escalated += 1
            timeline.missed(
                planned.review,
                plan_id=planned.id,
                kind=planned.kind,
                assigned_to=planned.assigned_to_id,
            )
            missed_slot_alert(planned=planned, now=now)
    return escalated
