"""The manager's reports (issue 7): the page, its exports and the drill-down to reviews."""

import csv
import io
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html import escape
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reviews import cursors, services
from reviews.access import shops_for
from reviews.audit import client_ip
from reviews.models import Cause, Review, Role, Severity, Shop, Status, SubCause
from reviews.spreadsheets import neutralise

from . import figures, spikes
from .models import SpikeAlert

PRESETS = (7, 30, 90)
MAX_DAYS = 400
PAGE_SIZE = 50


@dataclass
class ReportQuery:
    """What the manager asked for, read from the URL (so every view is a link)."""

    shops: list[Shop]
    range: figures.DateRange
    grain: str
    chosen: list[str] = field(default_factory=list)  # shop slugs asked for, [] = all

    @classmethod
    def from_get(cls, params: QueryDict, managed: list[Shop]) -> "ReportQuery":
        chosen = [s for s in params.getlist("shop") if s]
        shops = [s for s in managed if s.slug in chosen] if chosen else managed
        if chosen and len(shops) != len(set(chosen)):
            # A shop the user does not manage: as if it did not exist.
            raise Http404
        today = timezone.localdate(timezone=shops[0].tz)
        preset = params.get("preset", "")
        end = _date(params.get("to")) or today
        start = _date(params.get("from"))
        if preset.isdigit() and int(preset) in PRESETS:
            end, start = today, today - timedelta(days=int(preset) - 1)
        if start is None or start > end:
            start = end - timedelta(days=29)
        start = max(start, end - timedelta(days=MAX_DAYS - 1))
        rng = figures.DateRange(start, end)
        grain = params.get("grain", "")
        if grain not in figures.GRAINS:
            grain = "day" if rng.days <= 31 else "week" if rng.days <= 190 else "month"
        return cls(shops=shops, range=rng, grain=grain, chosen=chosen)

    def params(self, **extra: str) -> str:
        pairs = [("from", self.range.start.isoformat()), ("to", self.range.end.isoformat())]
        pairs += [("grain", self.grain)] + [("shop", slug) for slug in self.chosen]
        pairs += list(extra.items())
        return urlencode(pairs)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class Table:
    """One table of the page: raw values for exports, display strings for the page."""

    name: str
    title: str
    headers: list[str]
    kinds: list[str]  # per column: text, int, pct, hours
    rows: list[list] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # drill-down per row (root causes)
    # Period tables: rows with nothing in them are left off the page (a year by day would be
    # mostly empty days) but kept in the exports, where every period has its row.
    hide_empty: bool = False

    def _is_empty(self, row: list) -> bool:
        numbers = [v for v, k in zip(row, self.kinds, strict=True) if k == "int"]
        return self.hide_empty and bool(numbers) and not any(numbers)

    @property
    def display(self) -> list[list[str]]:
        return [[_show(v, k) for v, k in zip(row, self.kinds, strict=True)] for row in self.rows]

    @property
    def display_rows(self) -> list[tuple[list[tuple[str, str]], str]]:
        """(header, cell) pairs and the drill-down link of each row shown: on a phone the table
        turns into cards and each number carries its header."""
        links = self.links or [""] * len(self.rows)
        return [
            (list(zip(self.headers, shown, strict=True)), link)
            for row, shown, link in zip(self.rows, self.display, links, strict=True)
            if not self._is_empty(row)
        ]

    @property
    def hidden(self) -> int:
        return sum(self._is_empty(row) for row in self.rows)

    def body_html(self) -> str:
        """The <tbody> rows, built here rather than by a template loop: a 90-day report has
        thousands of cells, and the template engine renders each one ten times slower. Every
        value and link is escaped (html.escape, quotes included) before it joins the markup."""
        rows = []
        for cells, link in self.display_rows:
            name = escape(cells[0][1])
            if link:
                name = f'<a href="{escape(link)}">{name}</a>'
            tds = "".join(
                f'<td class="num" data-label="{escape(header)}">{escape(cell)}</td>'
                for header, cell in cells[1:]
            )
            rows.append(f'<tr><th scope="row">{name}</th>{tds}</tr>')
        return mark_safe("\n".join(rows))  # noqa: S308 - every piece escaped above


def _show(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f}"
    if kind == "score":
        return f"{value:.2f}"
    return str(value)


RESOLUTION_COLUMNS = [
    (gettext_lazy("Handled"), "handled", "int"),
    (gettext_lazy("Revised"), "revised", "int"),
    (gettext_lazy("Replied"), "replied", "int"),
    # The "closed" measure counts every finished review (revised, replied or closed), as the
    # queue's "Finished" lane does; "Closed" would read as the status of that name alone.
    (gettext_lazy("Finished"), "closed", "int"),
    (gettext_lazy("Unresolved"), "unresolved", "int"),
    (gettext_lazy("Resolution rate"), "rate", "pct"),
    (gettext_lazy("Within the platform's window"), "within_window", "int"),
]
FUNNEL_COLUMNS = [
    (gettext_lazy("Reviews"), "reviews", "int"),
    (gettext_lazy("Reached"), "reached", "int"),
    (gettext_lazy("Agreed"), "agreed", "int"),
    (gettext_lazy("Revised"), "revised", "int"),
    (gettext_lazy("Lost before agreeing"), "drop_agreed", "int"),
    (gettext_lazy("Lost after agreeing"), "drop_revised", "int"),
    (gettext_lazy("Agreed ÷ reached"), "agreed_rate", "pct"),
    (gettext_lazy("Revised ÷ agreed"), "revised_rate", "pct"),
]


def _table(name, title, first: tuple[str, str], columns, rows, keys, hide_empty=False) -> Table:
    table = Table(
        name=name,
        title=str(title),
        headers=[str(first[0])] + [str(c[0]) for c in columns],
        kinds=[first[1]] + [c[2] for c in columns],
        hide_empty=hide_empty,
    )
    for key, row in zip(keys, rows, strict=True):
        table.rows.append([key] + [row[c[1]] for c in columns])
    return table


def _period_link(query: "ReportQuery", start: date) -> str:
    """The drill-down to the reviews of one period (clipped to the chosen range)."""
    if query.grain == "week":
        end = start + timedelta(days=6)
    elif query.grain == "month":
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        end = start
    rng = figures.DateRange(max(start, query.range.start), min(end, query.range.end))
    return f"{reverse('reports_reviews')}?{replace(query, range=rng).params()}"


def _period_label(day: date, grain: str) -> str:
    if grain == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def build_tables(query: ReportQuery, report: figures.Report) -> list[Table]:
    labels = {
        "cause": dict(Cause.choices),
        "subcause": dict(SubCause.choices),
        "severity": dict(Severity.choices),
    }
    names = {s.pk: s.name for s in query.shops}
    shop_col = (_("Shop"), "text")
    period_col = (_("Period"), "text")
    tables = [
        _table(
            "summary",
            _("Resolution by shop"),
            shop_col,
            RESOLUTION_COLUMNS,
            [report.by_shop[s.pk] for s in query.shops],
            [s.name for s in query.shops],
        ),
        _table(
            "periods",
            _("Resolution by period"),
            period_col,
            RESOLUTION_COLUMNS,
            report.periods,
            [_period_label(r["period"], query.grain) for r in report.periods],
            hide_empty=True,
        ),
    ]
    drill = reverse("reports_reviews")
    tables[0].links = [
        f"{drill}?{replace(query, chosen=[s.slug]).params()}" if len(query.shops) > 1 else ""
        for s in query.shops
    ]
    tables[1].links = [_period_link(query, r["period"]) for r in report.periods]
    unassigned = _("Unassigned")
    breakdowns = {
        "assigned_to": ("agents", _("Resolution by agent"), _("Agent")),
        "cause": ("causes", _("Resolution by cause"), _("Cause")),
        "subcause": ("subcauses", _("Resolution by sub-cause"), _("Sub-cause")),
        "severity": ("severities", _("Resolution by severity"), _("Severity")),
    }
    for dim, (name, title, header) in breakdowns.items():
        rows = report.breakdowns[dim]
        if dim == "assigned_to":
            keys = [r["assigned_to__username"] or unassigned for r in rows]
            values = [("agent", str(r["assigned_to"] or "none")) for r in rows]
        else:
            keys = [str(labels[dim].get(r[dim], r[dim])) for r in rows]
            values = [(dim, r[dim]) for r in rows]
        table = _table(name, title, (header, "text"), RESOLUTION_COLUMNS, rows, keys)
        table.links = [f"{drill}?{query.params(**{k: v})}" for k, v in values]
        tables.append(table)
    tables.append(
        _table(
            "funnel_agents",
            _("Revision funnel by agent"),
            (_("Agent"), "text"),
            FUNNEL_COLUMNS,
            report.funnel_agents,
            [r["assigned_to__username"] or unassigned for r in report.funnel_agents],
        )
    )
    tables[-1].links = [
        f"{drill}?{query.params(agent=str(r['assigned_to'] or 'none'))}"
        for r in report.funnel_agents
    ]
    tables.append(
        _table(
            "funnel_periods",
            _("Revision funnel by period"),
            period_col,
            FUNNEL_COLUMNS,
            report.funnel_periods,
            [_period_label(r["period"], query.grain) for r in report.funnel_periods],
            hide_empty=True,
        )
    )
    tables[-1].links = [_period_link(query, r["period"]) for r in report.funnel_periods]
    speed = report.speed
    tables.append(
        Table(
            name="speed",
            title=_("Speed"),
            headers=[_("Figure"), _("Value")],
            kinds=["text", "text"],
            rows=[
                [_("Reviews contacted"), speed["contacted"]],
                [_("Hours to first contact, median"), _opt(speed["median_hours"])],
                [_("Hours to first contact, 90th percentile"), _opt(speed["p90_hours"])],
                [_("First contacts with a planned first call"), speed["first_planned"]],
                [_("… made inside the playbook's window"), speed["first_in_window"]],
                [
                    _("Share inside the playbook's window"),
                    _show(speed["first_in_window_rate"], "pct"),
                ],
                [_("Finished reviews"), speed["closed"]],
                [_("Contact attempts on them"), speed["attempts"]],
                [_("Attempts per resolution"), _opt(speed["attempts_per_resolution"])],
                [_("Overdue follow-ups, now"), speed["overdue"]],
            ],
        )
    )
    good = Table(
        name="good_rate",
        title=_("Good-review rate and DSR"),
        headers=[
            _("Shop"),
            _("Period"),
            _("Positive"),
            _("Neutral or negative"),
            _("Rate"),
            _("DSR: as described"),
            _("DSR: service"),
            _("DSR: logistics"),
        ],
        kinds=["text", "text", "int", "int", "pct", "score", "score", "score"],
        hide_empty=True,
    )
    for row in report.good_rate:
        good.rows.append(
            [
                names[row["shop_id"]],
                _period_label(row["period"], query.grain),
                row["positive"],
                row["negative"],
                row["rate"],
                row["dsr_description"],
                row["dsr_service"],
                row["dsr_logistics"],
            ]
        )
    tables.append(good)
    roots = {
        "product_name": ("top_products", _("Top products"), _("Product"), "product"),
        "courier": ("top_couriers", _("Top couriers"), _("Courier"), "courier"),
        "subcause": ("top_subcauses", _("Top sub-causes"), _("Sub-cause"), "subcause"),
        "named_agent": ("named_agents", _("Agents named in reviews"), _("Agent"), "named_agent"),
        "named_courier": (
            "named_couriers",
            _("Couriers named in reviews"),
            _("Courier"),
            "named_courier",
        ),
    }
    for dim, (name, title, header, param) in roots.items():
        table = Table(
            name=name,
            title=title,
            headers=[
                header,
                _("Neutral or negative"),
                _("Serious"),
                _("Previous period"),
                _("Change"),
            ],
            kinds=["text", "int", "int", "int", "int"],
        )
        for row in report.roots[dim]:
            key = row["key"]
            shown = str(labels["subcause"].get(key, key)) if dim == "subcause" else key
            table.rows.append([shown, row["n"], row["serious"], row["previous"], row["change"]])
            table.links.append(f"{drill}?{query.params(**{param: key})}")
        tables.append(table)
    return tables


def _opt(value):
    return "—" if value is None else value


def chart_data(query: ReportQuery, report: figures.Report) -> dict:
    """What static/js/reports.js draws (read from a json_script block, never inline code)."""
    causes = dict(Cause.choices)
    return {
        "labels": [_period_label(r["period"], query.grain) for r in report.periods],
        "handled": [r["handled"] for r in report.periods],
        "rate": [None if r["rate"] is None else round(r["rate"] * 100, 1) for r in report.periods],
        "funnel": {
            "labels": [_("Reached"), _("Agreed"), _("Revised")],
            "values": [report.funnel["reached"], report.funnel["agreed"], report.funnel["revised"]],
        },
        "causes": {
            "labels": [str(causes.get(r["cause"], r["cause"])) for r in report.breakdowns["cause"]],
            "values": [r["handled"] for r in report.breakdowns["cause"]],
        },
        "text": {"handled": _("Handled"), "rate": _("Resolution rate (%)")},
    }


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    managed = list(shops_for(request, Role.MANAGER))
    query = ReportQuery.from_get(request.GET, managed)
    report = figures.build_report(query.shops, query.range, query.grain)
    tables = build_tables(query, report)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        table = next((t for t in tables if t.name == request.GET.get("table")), None)
        if table is None:
            raise Http404
        services.audit_record(
            actor=request.user,
            action="report_exported",
            shop=query.shops[0] if len(query.shops) == 1 else None,
            target=f"report:{table.name}",
            ip=_client_ip(request),
            format=export,
            shops=[s.slug for s in query.shops],
            start=query.range.start.isoformat(),
            end=query.range.end.isoformat(),
        )
        return export_table(table, export, query)
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
    }
    return render(request, "reports/reports.html", context)


def export_table(table: Table, kind: str, query: ReportQuery) -> HttpResponse:
    """The table as CSV (UTF-8 with BOM, for Excel) or XLSX; text cells that a spreadsheet
    would run as a formula are quoted (DESIGN.md: = + - @ tab NUL)."""
    filename = f"report-{table.name}-{query.range.start}-{query.range.end}"
    rows = [[_safe(v) for v in row] for row in [table.headers, *table.rows]]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer).writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.name[:31])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _safe(value):
    """Numbers stay numbers; text is neutralised (a string is never a formula in the export)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return neutralise(value)
    return value


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


def _agent_names(agent: str | None) -> dict[str, str]:
    if agent == "none":
        return {"none": _("Unassigned")}
    if not agent:
        return {}
    return {
        str(pk): name for pk, name in User.objects.filter(pk=agent).values_list("pk", "username")
    }


@login_required
@require_GET
def reports_reviews(request: HttpRequest) -> HttpResponse:
    """The neutral/negative reviews behind a report row, newest first, keyset pages on
    (reviewed_at, id) so deep pages stay as fast as the first."""
    managed = list(shops_for(request, Role.MANAGER))
    query = ReportQuery.from_get(request.GET, managed)
    reviews = Review.objects.filter(figures._range_q(query.shops, query.range))
    filters = {}
    for param, column in DRILL_FILTERS.items():
        if value := request.GET.get(param):
            filters[param] = value
            reviews = reviews.filter(**{column: value})
    agent = request.GET.get("agent", "")
    if agent == "none":
        filters["agent"] = agent
        reviews = reviews.filter(assigned_to=None)
    elif agent.isdigit():
        filters["agent"] = agent
        reviews = reviews.filter(assigned_to_id=int(agent))
    after = cursors.decode_moment(request.GET.get("after", ""))
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
        "agent": _agent_names(filters.get("agent")),
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
        },
    )


@login_required
@require_POST
def spike_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager marks a spike alert seen (it stays on the page until the spike ends)."""
    # 404 for any alert outside the user's managed shops: its id reveals nothing.
    managed = Shop.objects.for_user(request.user, Role.MANAGER)
    alert = get_object_or_404(SpikeAlert.objects.select_related("shop"), pk=pk, shop__in=managed)
    spikes.acknowledge(alert=alert, user=request.user, ip=_client_ip(request))
    return redirect(f"{reverse('reports')}?{request.POST.get('back', '')}")
