"""Open reviews counted per shop, assignee, triage flag and severity, kept by database triggers
(migration 0021) whatever writes the reviews: the board's tiles and workload and the queue's
lane counts read a handful of these rows instead of counting every open review."""

from django.db import models
from django.db.models import Q, Sum

from .shops import Shop

UNASSIGNED = 0  # agent_id of the unassigned reviews' rows


class OpenLoad(models.Model):
    # No database constraint: a shop's rows may outlive it for a moment while a delete
    # cascades (the triggers write as its reviews go); they drop to zero with the reviews.
    shop = models.ForeignKey(
        Shop, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    agent_id = models.BigIntegerField()  # the assignee's user id, UNASSIGNED for nobody
    triage = models.BooleanField()
    serious = models.BooleanField()
    open = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "agent_id", "triage", "serious"], name="openload_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.agent_id}:{self.open}"


def open_figures(shop_ids) -> dict:
    """The board's tiles for these shops, from the counters (one query)."""
    figures = OpenLoad.objects.filter(shop_id__in=shop_ids).aggregate(
        open_total=Sum("open"),
        unassigned=Sum("open", filter=Q(agent_id=UNASSIGNED)),
        triage=Sum("open", filter=Q(triage=True)),
        serious_unassigned=Sum("open", filter=Q(agent_id=UNASSIGNED, serious=True)),
    )
    return {name: value or 0 for name, value in figures.items()}


def open_by_agent(shop_ids) -> dict[tuple[int, int], int]:
    """Open reviews per (shop id, agent id), from the counters (one query)."""
    rows = (
        OpenLoad.objects.filter(shop_id__in=shop_ids)
        .exclude(agent_id=UNASSIGNED)
        .values_list("shop_id", "agent_id")
        .annotate(n=Sum("open"))
    )
    return {(shop_id, agent_id): n for shop_id, agent_id, n in rows}
