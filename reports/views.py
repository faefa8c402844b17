"""The manager's reports: the page (and its exports), the drill-down from a figure to the
reviews behind it, and acknowledging a spike alert. Managers only, of their own shops."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import cursors
from reviews.access import shops_for
from reviews.audit import client_ip
from reviews.models import Cause, Review, Role, Severity, Shop, Status, SubCause
from reviews.params import whole

from . import dashboard, exports, figures, spikes
from .models import SpikeAlert
from .query import PRESETS, ReportQuery
from .tables import build_tables, chart_data

PAGE_SIZE = 50


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    managed = list(shops_for(request, Role.MANAGER))
    query = ReportQuery.from_get(request.GET, managed)
    report = figures.build_report(query.shops, query.range, query.grain)
    tables = build_tables(query, report)
    export = request.GET.get("export")
    if export in exports.KINDS:
        table = next((t for t in tables if t.name == request.GET.get("table")), None)
        if table is None:
            raise Http404
        return exports.table_export(
            table=table, kind=export, query=query, actor=request.user, ip=client_ip(request)
        )
    for table in tables:
        table.page_of(request.GET)
    context = {
        "query": query,
        "report": report,
        "total": report.total,
        "tables": {t.name: t for t in tables},
        "managed": managed,
        "presets": [(days, query.params(preset=str(days))) for days in PRESETS],
        "grains": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "chart": chart_data(query, report),
        "base_params": query.params(),
        "spikes": [(a, spikes.describe(a), spikes.drill_url(a)) for a in report.spikes],
        "spikes_more": report.spikes_total - len(report.spikes),
        "as_of": report.as_of,
        "tiles": dashboard.headline(report),
        "worst": dashboard.worst(query, report),
        # A table paged through stays unfolded on the page its link opens.
        "opened": {t.name for t in tables if f"page_{t.name}" in request.GET},
    }
    return render(request, "reports/reports.html", context)


# The drill-down: the reviews behind a figure. Each filter is a plain column match.
DRILL_FILTERS = {
    "product": "product_name",
    "courier": "courier",
    "subcause": "subcause",
    "cause": "cause",
    "severity": "severity",
    "status": "status",
    "named_agent": "named_agent",
    "named_courier": "named_courier",
}


def _agent_user(agent: str, shops: list[Shop]) -> User | None:
    """The agent a drill-down names by id, if they work in (or were assigned a review of) one
    of the shops the report covers; any other id (another shop's agent, a superuser, junk) is
    no one, so the page never names a user the manager may not see."""
    if (pk := whole(agent)) is None:
        return None
    known = Q(memberships__shop__in=shops) | Q(assigned_reviews__shop__in=shops)
    return User.objects.filter(known, pk=pk).distinct().first()


@login_required
@require_GET
def reports_reviews(request: HttpRequest) -> HttpResponse:
    """The neutral/negative reviews behind a report row, newest first, keyset pages on
    (reviewed_at, id) so deep pages stay as fast as the first."""
    managed = list(shops_for(request, Role.MANAGER))
    query = ReportQuery.from_get(request.GET, managed)
    reviews = Review.objects.filter(figures.range_q(query.shops, query.range))
    filters = {}
    for param, column in DRILL_FILTERS.items():
        if value := request.GET.get(param):
            filters[param] = value
            reviews = reviews.filter(**{column: value})
    agent = request.GET.get("agent", "")
    agent_names = {}
    if agent == "none":
        filters["agent"] = agent
        agent_names[agent] = _("Unassigned")
        reviews = reviews.filter(assigned_to=None)
    elif agent:
        filters["agent"] = agent
        user = _agent_user(agent, query.shops)
        if user is None:
            agent_names[agent] = _("no agent of these shops")
            reviews = reviews.none()
        else:
            agent_names[agent] = user.username
            reviews = reviews.filter(assigned_to=user)
    after = cursors.decode_moment(request.GET.get("after", ""))
    broken = bool(request.GET.get("after")) and after is None
    if after:
        moment, pk = after
        reviews = reviews.filter(Q(reviewed_at__lt=moment) | Q(reviewed_at=moment, id__lt=pk))
    page = list(
        reviews.select_related("shop", "assigned_to").order_by("-reviewed_at", "-id")[
            : PAGE_SIZE + 1
        ]
    )
    next_url = ""
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        next_url = "?" + query.params(
            **filters, after=cursors.encode_moment(page[-1].reviewed_at, page[-1].pk)
        )
    labels = {
        "product": _("Product"),
        "courier": _("Courier"),
        "subcause": _("Sub-cause"),
        "cause": _("Cause"),
        "severity": _("Severity"),
        "status": _("Status"),
        "agent": _("Agent"),
        "named_agent": _("Agent named"),
        "named_courier": _("Courier named"),
    }
    shown = {
        "subcause": dict(SubCause.choices),
        "cause": dict(Cause.choices),
        "severity": dict(Severity.choices),
        "status": dict(Status.choices),
        "agent": agent_names,
    }
    return render(
        request,
        "reports/reviews.html",
        {
            "query": query,
            "reviews": page,
            "next_url": next_url,
            "filters": [(labels[k], shown.get(k, {}).get(v, v)) for k, v in filters.items()],
            "back_url": f"{reverse('reports')}?{query.params()}",
            "problems": [cursors.BROKEN] if broken else [],
        },
        status=400 if broken else 200,
    )


@login_required
@require_POST
def spike_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager marks a spike alert seen (it stays on the page until the spike ends)."""
    # 404 for any alert outside the user's managed shops: its id reveals nothing.
    managed = Shop.objects.for_user(request.user, Role.MANAGER)
    alert = get_object_or_404(SpikeAlert.objects.select_related("shop"), pk=pk, shop__in=managed)
    spikes.acknowledge(alert=alert, user=request.user, ip=client_ip(request))
    return redirect(f"{reverse('reports')}?{request.POST.get('back', '')}")
