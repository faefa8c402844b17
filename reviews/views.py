"""The front door: where each person starts (by role), and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import Heartbeat, Membership, Role


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
