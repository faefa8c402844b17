"""Reviews that blame two parties (issue 20), for the reports' root-cause section: counted
straight from the reviews of the range (each shop's days in its own time zone), as the
second cause is not part of the daily roll-ups."""

from django.db.models import Count, Q

from reviews.models import Review, Shop

from .figures import DateRange, range_q


def second_causes(shops: list[Shop], rng: DateRange) -> list[dict]:
    """Reviews that blame two parties, per (main cause, second cause), largest first: the
    root causes a main-cause count alone would hide (物流太慢…屏幕也差 is a product review
    that also counts against the courier)."""
    return list(
        Review.objects.filter(range_q(shops, rng))
        .exclude(second_cause="")
        .values("cause", "second_cause")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(severity="serious")))
        .order_by("-n", "cause", "second_cause")
    )
