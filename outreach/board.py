"""Reads for the team lead's board: unassigned work, each agent's load, missed slots, items at
risk, and what waits for the lead's decision — in a fixed number of queries."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncTime
from django.utils import timezone

from reviews.models import Membership, Role
from reviews.models.load import open_by_agent

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
    """Per-agent open items of their shop: the agents, and their figures from the counters
    the review triggers keep (reviews.models.OpenLoad) — two queries whatever the volume."""
    rows = list(
        Membership.objects.filter(shop__in=shops, role=Role.AGENT)
        .values(
            "user_id",
            "shop_id",
            "user__username",
            "user__first_name",
            "shop__name",
            "on_duty",
            "capacity",
        )
        .order_by("shop__name", "user__username")
    )
    loads = open_by_agent({row["shop_id"] for row in rows})
    for row in rows:
        row["open"] = loads.get((row["shop_id"], row["user_id"]), 0)
    return rows


# What a follow-up's row of the board shows (templates/outreach/_board_followup.html): read
# only these, not each review's JSON and raw payloads.
FOLLOWUP_FIELDS = (
    "id",
    "review__buyer__nick",
    "kind",
    "channel",
    "due_at",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)

# Each agent's due-today and overdue items are counted up to here, then shown as "99+": the
# board reads at most this many rows per agent and figure, whatever the backlog.
DUE_COUNT_CAP = 100


def _due_by_agent(items: QuerySet, agent_ids: list[int], **figures: Q) -> dict[int, dict]:
    """{agent id: {figure: count, capped}} in one query: per agent (a row of the user table)
    and figure, a count over a LIMIT (an index range each). Each figure's SQL is compiled once
    with the agent as a reference to that row — compiling it per agent and figure was most
    of the board's Python time."""
    if not agent_ids:
        return {}
    cells, params = [], []
    for condition in figures.values():
        inner = items.filter(condition, assigned_to_id=RawSQL("agent.id", ())).values("id")[
            :DUE_COUNT_CAP
        ]
        sql, inner_params = inner.query.sql_with_params()
        cells.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params += inner_params
    # The agents as rows of the user table: plain SQL both databases read (the embedded
    # stack's SQLite has no arrays to unnest).
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    ids = ", ".join(["%s"] * len(agent_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT agent.id, {', '.join(cells)} FROM {users} AS agent WHERE agent.id IN ({ids})",
            [*params, *agent_ids],
        )
        rows = cursor.fetchall()
    shown = {}
    for agent_id, *counts in rows:
        shown[agent_id] = {
            name: n if n < DUE_COUNT_CAP else f"{DUE_COUNT_CAP - 1}+"
            for name, n in zip(figures, counts, strict=True)
        }
    return shown


def _covered(members) -> Q:
    """Items whose assignee is one of `members`, on duty, with a shift that covers the item's
    due time in the shop's zone (Membership.covers, said in SQL on the annotation local_due)."""
    covered = Q(pk__in=[])
    for m in members:
        if not m.on_duty:
            continue
        if m.shift_start is None or m.shift_end is None:
            shift = Q()
        elif m.shift_start <= m.shift_end:
            shift = Q(local_due__gte=m.shift_start, local_due__lt=m.shift_end)
        else:  # a shift past midnight (22:00–06:00)
            shift = Q(local_due__gte=m.shift_start) | Q(local_due__lt=m.shift_end)
        covered |= Q(assigned_to_id=m.user_id) & shift
    return covered


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
    # At risk: of the (at most 100) items due within the hour, those nobody on duty whose
    # shift covers it will have — chosen in SQL, so only the items at risk are loaded.
    soon = agent_items.filter(
        state=PlanState.PLANNED, due_at__lte=now + timedelta(hours=1)
    ).order_by("due_at", "id")
    at_risk = list(
        PlannedContact.objects.filter(pk__in=soon.values("pk")[:100])
        .annotate(local_due=TruncTime("due_at", tzinfo=tz))
        .exclude(_covered(members.values()))
        .select_related("review__buyer", "assigned_to")
        .only(*FOLLOWUP_FIELDS)
        .order_by("due_at", "id")
    )
    due_by_agent = _due_by_agent(
        agent_items,
        list(members),
        due_today=Q(due_at__lte=day_end),
        overdue=Q(state__in=[PlanState.DUE, PlanState.MISSED], due_at__lt=now),
    )
    return {
        "missed": list(
            PlannedContact.objects.filter(shop=shop, state=PlanState.MISSED)
            .select_related("review__buyer", "assigned_to")
            .only(*FOLLOWUP_FIELDS)
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
        "due_by_agent": due_by_agent,
        # Alerts to the leads that could not be delivered today (a wrong robot secret…).
        "alert_failures": list(
            LeadAlert.objects.filter(
                shop=shop, state=AlertState.FAILED, created_at__gte=now - timedelta(hours=24)
            ).order_by("-created_at", "-id")[:5]
        ),
    }
