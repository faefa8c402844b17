from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .access import get_review_for_user, shops_for
from .models import Heartbeat, Membership, Review, Role

QUEUE_PAGE_SIZE = 25


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
    reviews = (
        Review.objects.filter(shop__in=shops, assigned_to=request.user)
        .open()
        .select_related("shop", "buyer")
        .order_by("reviewed_at", "id")
    )
    after = request.GET.get("after", "")
    if after.isdigit():
        reviews = reviews.filter(id__gt=int(after))
    page = list(reviews[: QUEUE_PAGE_SIZE + 1])
    return render(
        request,
        "reviews/queue.html",
        {
            "reviews": page[:QUEUE_PAGE_SIZE],
            "next_after": page[QUEUE_PAGE_SIZE - 1].id if len(page) > QUEUE_PAGE_SIZE else None,
            "open_count": reviews.count() if not after else None,
        },
    )


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
        Review.objects.filter(shop__in=shops)
        .values("cause")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return render(request, "reviews/reports.html", {"shops": shops, "by_cause": by_cause})
