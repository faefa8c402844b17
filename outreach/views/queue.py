"""The agent's queue (its lanes, filters and pages), the navigation's due count and the
attention endpoint that open pages poll for newly due work."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviews.memberships import shops_with_role
from reviews.models import Role, Status
from reviews.taxonomy import Cause, Severity, SubCause

from ..attention import attention_for
from ..attention import due_count as attention_due_count
from ..models import CareCall, Channel
from ..queue import BUYER_GROUPS, LANES, QueueQuery, queue_figures, queue_page

CARE_CALLS_SHOWN = 20


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    # Evaluated once: the selectors and the template share the list (and the navigation
    # reads the same memberships for the user's roles).
    shops = shops_with_role(request, Role.AGENT, Role.LEAD)
    if not shops:
        raise PermissionDenied
    query = QueueQuery.from_get(request.GET)
    reviews, next_cursor = queue_page(request.user, shops, query)
    now = timezone.now()
    counts, care_calls_due = queue_figures(request.user, shops, now)
    context = {
        "reviews": reviews,
        "next_cursor": next_cursor,
        "query": query,
        "counts": counts,
        "lanes": LANES,
        "groups": {key: label for key, (label, _q) in BUYER_GROUPS.items()},
        "shops": shops,
        # The classes, not their .choices: select_options renders a class's options once per
        # language.
        "causes": Cause,
        "subcauses": SubCause,
        "severities": Severity,
        "statuses": Status,
        "channels": Channel,
        # Care calls of orders (no review yet) whose evening window has begun, any agent's;
        # read only when one is due (and only if the page shows them: a lazy queryset).
        "care_calls": CareCall.objects.filter(shop__in=shops)
        .due(now)
        .select_related("order__buyer")[:CARE_CALLS_SHOWN]
        if care_calls_due
        else [],
    }
    template = "outreach/queue.html"
    if request.htmx and request.htmx.target == "queue-results":
        template += "#queue-results"
    return render(request, template, context)


@login_required
@require_GET
def due_count(request: HttpRequest) -> HttpResponse:
    """The navigation's badge: follow-ups the user must act on now (a lead's include the
    shop's unassigned ones). htmx fetches it on load and whenever attention.js sees the
    count change."""
    n = attention_due_count(request.user)
    return render(request, "outreach/due_count.html", {"due_count": n})


@login_required
@require_GET
def attention(request: HttpRequest) -> JsonResponse:
    """What static/js/attention.js polls: the due count, the newest due items and the
    queue's fingerprint. Polling rather than server push: our gunicorn runs sync workers, and
    a connection held open per open tab (SSE, websockets) would take a whole worker each;
    a 15 s poll is one indexed count and one small query, well inside "within a minute".

    Logged out (in another tab, or the session expired), the script gets the login redirect
    as every page does, and stops polling."""
    answer = JsonResponse(attention_for(request.user))
    answer["Cache-Control"] = "no-store"
    return answer
