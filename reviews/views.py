from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .access import get_review_for_user, shops_for
from .models import Cause, Heartbeat, Membership, Review, Role, Severity, Status, SubCause
from .selectors import BUYER_GROUPS, LANES, QueueQuery, lane_counts, queue_page


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose: the database answers; when did a worker last run?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    beat = Heartbeat.objects.filter(name="worker").values_list("seen_at", flat=True).first()
    age = round((timezone.now() - beat).total_seconds()) if beat else None
    return JsonResponse({"ok": True, "worker_seen_s_ago": age})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = set(Membership.objects.for_user(request.user).values_list("role", flat=True))
    if Role.AGENT in roles:
        return redirect("queue")
    if Role.LEAD in roles:
        return redirect("board")
    if Role.MANAGER in roles:
        return redirect("reports")
    return render(request, "reviews/no_shop.html", status=403)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    shops = shops_for(request, Role.AGENT, Role.LEAD)
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
    }
    template = "reviews/queue.html"
    if request.htmx and request.htmx.target == "queue-results":
        template += "#queue-results"
    return render(request, template, context)


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request, pk)
    events = review.events.select_related("actor")
    return render(request, "reviews/review_detail.html", {"review": review, "events": events})


@login_required
def board(request: HttpRequest) -> HttpResponse:
    shops = shops_for(request, Role.LEAD)
    open_reviews = Review.objects.filter(shop__in=shops).open()
    return render(
        request,
        "reviews/board.html",
        {
            "shops": shops,
            "unassigned": open_reviews.filter(assigned_to=None).count(),
            "open_total": open_reviews.count(),
        },
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    shops = shops_for(request, Role.MANAGER)
    by_cause = (
        Review.objects.filter(shop__in=shops).values("cause").annotate(n=Count("id")).order_by("-n")
    )
    return render(request, "reviews/reports.html", {"shops": shops, "by_cause": by_cause})
