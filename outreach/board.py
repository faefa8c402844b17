"""Reads for the team lead's board: unassigned work, each agent's load, missed slots, items at
risk, and what waits for the lead's decision — in a fixed number of queries."""

from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from reviews.models import OPEN_STATUSES, Membership, Role

from .models import (
    OPEN_PLAN_STATES,
    AlertState,
    Approval,
    ContactAttempt,
    LeadAlert,
    PlannedContact,
    PlanState,
    Reply,
    ReplyState,
)


def workload(shops: QuerySet) -> list[dict]:
    """Per-agent open items, in one query."""
    return list(
        Membership.objects.filter(shop__in=shops, role=Role.AGENT)
        .values(
            "user_id", "user__username", "user__first_name", "shop__name", "on_duty", "capacity"
        )
        .annotate(
            open=Count(
                "user__assigned_reviews",
                filter=Q(
                    user__assigned_reviews__status__in=OPEN_STATUSES,
                    user__assigned_reviews__shop=F("shop"),
                ),
            )
        )
        .order_by("shop__name", "user__username")
    )


def board_outreach_context(shop, *, now: datetime | None = None) -> dict:
    """The lead's board, outreach side: missed slots, items at risk, replies to approve, and
    each agent's due-today and overdue counts — in a fixed number of queries."""
    now = now or timezone.now()
    tz = shop.tz
    local = now.astimezone(tz)
    day_end = local.replace(hour=23, minute=59, second=59)
    agent_items = PlannedContact.objects.filter(shop=shop, state__in=OPEN_PLAN_STATES).agent_tasks()
    members = {
        m.user_id: m for m in Membership.objects.filter(shop=shop, role__in=[Role.AGENT, Role.LEAD])
    }
    soon = list(
        agent_items.filter(state=PlanState.PLANNED, due_at__lte=now + timedelta(hours=1))
        .select_related("review__buyer", "assigned_to")
        .order_by("due_at")[:100]
    )
    # At risk: due within the hour and nobody on duty whose shift covers it will have it.
    at_risk = [
        p
        for p in soon
        if p.assigned_to_id is None
        or p.assigned_to_id not in members
        or not members[p.assigned_to_id].on_duty
        or not members[p.assigned_to_id].covers(p.due_at, tz)
    ]
    per_agent = agent_items.values("assigned_to").annotate(
        due_today=Count("id", filter=Q(due_at__lte=day_end)),
        overdue=Count("id", filter=Q(state__in=[PlanState.DUE, PlanState.MISSED], due_at__lt=now)),
    )
    return {
        "missed": list(
            PlannedContact.objects.filter(shop=shop, state=PlanState.MISSED)
            .select_related("review__buyer", "assigned_to")
            .order_by("escalated_at")[:50]
        ),
        "at_risk": at_risk,
        "pending_compensations": list(
            ContactAttempt.objects.filter(review__shop=shop, approval=Approval.PENDING)
            .select_related("review__buyer", "agent")
            .order_by("created_at")[:50]
        ),
        "pending_replies": list(
            Reply.objects.filter(shop=shop, state=ReplyState.PENDING)
            .select_related("review__buyer", "drafted_by")
            .order_by("submitted_at")[:50]
        ),
        "due_by_agent": {row["assigned_to"]: row for row in per_agent},
        # Alerts to the leads that could not be delivered today (a wrong robot secret…).
        "alert_failures": list(
            LeadAlert.objects.filter(
                shop=shop, state=AlertState.FAILED, created_at__gte=now - timedelta(hours=24)
            ).order_by("-created_at", "-id")[:5]
        ),
    }
