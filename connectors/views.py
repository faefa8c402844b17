"""The connector page of a shop, for its leads: is the platform link working, how far
behind is it, what did today's pulls bring, what failed, when does the authorisation
expire — the 「连接测试」 button, and the form with which the shop's leads connect or
re-connect the platform (administrators can also set credentials in the Django admin).

Leads, not managers or agents: the connector is the lead's tool (the desk's arrivals and the
page's figures are theirs); managers read reports. Agents never see credentials' state.

And 「发布到平台」 on an approved reply, for the shop's agents and leads (connectors.publish)."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outreach.models import Reply
from outreach.views.review import render_work
from reviews.access import get_shop_for_user
from reviews.models import Platform, Role, Shop

from . import publish, services
from .clients import supported
from .connecting import connection_connect
from .forms import ConnectForm
from .models import PlatformConnection, PullCursor, PullRun
from .tokens import refreshable

RUNS_SHOWN = 10


@login_required
@require_GET
def connector_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.LEAD)
    return _render_page(request, shop, form=None)


@login_required
@require_POST
def connector_connect(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.LEAD)
    connection = PlatformConnection.objects.filter(shop=shop).first()
    if not supported(connection.platform if connection else shop.platform):
        messages.error(request, _("No connector exists for this platform yet."))
        return redirect("connector_page", slug=shop.slug)
    form = ConnectForm(request.POST, shop=shop, connection=connection)
    if not form.is_valid():
        return _render_page(request, shop, form=form, status=400)
    saved, problem = connection_connect(shop=shop, actor=request.user, values=form.values())
    if saved is None:
        form.add_error(
            None,
            _("The platform refused these credentials; nothing was saved: %(why)s")
            % {"why": problem},
        )
        return _render_page(request, shop, form=form, status=400)
    messages.success(request, _("Saved: the platform accepted the credentials."))
    return redirect("connector_page", slug=shop.slug)


def _render_page(request: HttpRequest, shop, *, form, status: int = 200) -> HttpResponse:
    connection = PlatformConnection.objects.filter(shop=shop).first()
    platform = connection.platform if connection else shop.platform
    if form is None and supported(platform):
        form = ConnectForm(shop=shop, connection=connection)
    context = {"shop": shop, "connection": connection, "form": form}
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
        }
        # A token that renews itself (Kuaishou) lasts as long as its refresh token.
        renews = refreshable(connection)
        expires = connection.refresh_expires_at if renews else connection.token_expires_at
        context |= {
            "renews": renews,
            "expires": expires,
            "expires_soon": expires is not None and expires - now <= services.EXPIRY_WARNING,
        }
        if connection.platform == Platform.KUAISHOU:
            # What is registered on the platform for the shop's app.
            context |= {
                "push_url": request.build_absolute_uri(reverse("kuaishou_push", args=[shop.slug])),
                "push_ready": bool(connection.push_secret),
            }
    return render(request, "connectors/connector.html", context, status=status)


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
