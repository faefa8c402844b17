"""The agent's queue (its lanes, filters and pages) and the navigation's due count."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviews.models import Role, Shop, Status
from reviews.taxonomy import Cause, Severity, SubCause

from ..models import CareCall, Channel, PlannedContact
from ..queue import BUYER_GROUPS, LANES, QueueQuery, lane_counts, queue_page

CARE_CALLS_SHOWN = 20


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    # Evaluated once: the selectors and the template share the list.
    shops = list(Shop.objects.for_user(request.user, Role.AGENT, Role.LEAD))
    if not shops:
        raise PermissionDenied
    query = QueueQuery.from_get(request.GET)
    reviews, next_cursor = queue_page(request.user, shops, query)
    context = {
        "reviews": reviews,
        "next_cursor": next_cursor,
        "query": query,
        "counts": lane_counts(request.user, shops),
        "lanes": LANES,
        "groups": {key: label for key, (label, _q) in BUYER_GROUPS.items()},
        "shops": shops,
        "causes": Cause.choices,
        "subcauses": SubCause.choices,
        "severities": Severity.choices,
        "statuses": Status.choices,
        "channels": Channel.choices,
        # Care calls of orders (no review yet) whose evening window has begun, any agent's.
        "care_calls": CareCall.objects.filter(shop__in=shops)
        .due(timezone.now())
        .select_related("order", "order__buyer", "shop")[:CARE_CALLS_SHOWN],
    }
    template = "outreach/queue.html"
    if request.htmx and request.htmx.target == "queue-results":
        template += "#queue-results"
    return render(request, template, context)


@login_required
@require_GET
def due_count(request: HttpRequest) -> HttpResponse:
    """The navigation's badge, polled by htmx: follow-ups the user must act on now."""
    n = PlannedContact.objects.due_for(request.user).count()
    return render(request, "outreach/due_count.html", {"due_count": n})
