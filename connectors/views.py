"""The connector page of a shop, for its leads: is the platform link working, how far
behind is it, what did today's pulls bring, what failed, when does the authorisation
expire — and the 「连接测试」 button. Credentials are set in the Django admin.

And 「发布到平台」 on an approved reply, for the shop's agents and leads (connectors.publish)."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outreach.models import Reply
from outreach.views.review import render_work
from reviews.access import get_shop_for_user
from reviews.models import Role, Shop

from . import publish, services
from .models import PlatformConnection, PullCursor, PullRun

RUNS_SHOWN = 10


@login_required
@require_GET
def connector_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.LEAD)
    connection = PlatformConnection.objects.filter(shop=shop).first()
    context = {"shop": shop, "connection": connection}
    if connection is not None:
        now = timezone.now()
        day_start = datetime.combine(timezone.localdate(now, shop.tz), time(0), tzinfo=shop.tz)
        runs = PullRun.objects.filter(connection=connection)
        today = runs.filter(started_at__gte=day_start).aggregate(
            created=Sum("created"), updated=Sum("updated"), revised=Sum("revised")
        )
        # Behind by as much as the stream read least far (None while the first pull runs).
        synced = list(
            PullCursor.objects.filter(connection=connection).values_list("synced_until", flat=True)
        )
        behind = min(synced) if synced and None not in synced else None
        context |= {
            "runs": runs.order_by("-started_at")[:RUNS_SHOWN],
            "today": {k: v or 0 for k, v in today.items()},
            "lag_minutes": int((now - behind).total_seconds() // 60) if behind else None,
            "expires_soon": connection.token_expires_at is not None
            and connection.token_expires_at - now <= services.EXPIRY_WARNING,
        }
    return render(request, "connectors/connector.html", context)


@login_required
@require_POST
def connector_test(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.LEAD)
    connection = PlatformConnection.objects.filter(shop=shop).first()
    if connection is None:
        messages.warning(request, _("This shop has no platform connection yet."))
    else:
        problem = services.connection_test(connection=connection)
        if problem:
            messages.error(request, _("The connection test failed: %(why)s") % {"why": problem})
        else:
            messages.success(request, _("The connection works: the platform answered."))
    return redirect("connector_page", slug=shop.slug)


@login_required
@require_POST
def reply_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """「发布到平台」: the platform's answer, or why nothing was sent, on the review page."""
    reply = get_object_or_404(
        Reply.objects.filter(
            shop__in=Shop.objects.for_user(request.user, *publish.PUBLISHERS)
        ).select_related("review", "shop", "review__buyer"),
        pk=pk,
    )
    result = publish.reply_publish(reply=reply, user=request.user)
    if result.posted:
        return render_work(request, reply.review, saved=result.said)
    return render_work(request, reply.review, status=409, error=result.said)
