"""The reports page's tables and chart, built from a computed `figures.Report`: raw values
for the exports, display strings and drill-down links for the page."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html import escape

from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import Cause, Severity, SubCause
from reviews.params import whole

from . import call_figures, figures
from .query import ReportQuery
from .two_causes import second_causes

PAGE_ROWS = 15  # rows of a table on one page of the reports page


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
    # The page shown (the exports have every row), and the rows the page shows on all its
    # pages, those left off, and its pages: set by page_of.
    page: int = 1
    count: int = 0
    hidden: int = 0
    pages: int = 1

    def _is_empty(self, row: list) -> bool:
        numbers = [v for v, k in zip(row, self.kinds, strict=True) if k == "int"]
        return self.hide_empty and bool(numbers) and not any(numbers)

    def page_of(self, params: QueryDict) -> None:
        """Show the page the URL asks for (`page_<name>`), kept within the table. Called once
        the rows are all in: it counts the rows shown here, once."""
        self.count = sum(not self._is_empty(row) for row in self.rows)
        self.pages = max(1, -(-self.count // PAGE_ROWS))
        self.hidden = len(self.rows) - self.count
        self.page = min(max(whole(params.get(f"page_{self.name}", "")) or 1, 1), self.pages)

    @property
    def display_rows(self) -> list[tuple[list[tuple[str, str]], str]]:
        """(header, cell) pairs and the drill-down link of each row of the page shown: on a
        phone the table turns into cards and each number carries its header. Only the page's
        rows are formatted (a year by day has hundreds)."""
        links = self.links or [""] * len(self.rows)
        shown = [i for i, row in enumerate(self.rows) if not self._is_empty(row)]
        first = (self.page - 1) * PAGE_ROWS
        return [
            (
                [
                    (header, _show(value, kind))
                    for header, value, kind in zip(
                        self.headers, self.rows[i], self.kinds, strict=True
                    )
                ],
                links[i],
            )
            for i in shown[first : first + PAGE_ROWS]
        ]

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

# Each rate stands beside its base (answered ÷ placed next to placed and answered).
CALL_COLUMNS = [
    (gettext_lazy("Calls placed"), "placed", "int"),
    (gettext_lazy("Answered"), "answered", "int"),
    (gettext_lazy("Answered ÷ placed"), "answer_rate", "pct"),
    (gettext_lazy("Talk time (min)"), "talk_minutes", "hours"),
    (gettext_lazy("Minutes per answered call"), "minutes_per_answered", "hours"),
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


def _period_link(query: ReportQuery, start: date) -> str:
    """The drill-down to the reviews of one period (clipped to the chosen range)."""
    if query.grain == "week":
        end = start + timedelta(days=6)
    elif query.grain == "month":
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        end = start
    rng = figures.DateRange(max(start, query.range.start), min(end, query.range.end))
    return f"{reverse('reports_reviews')}?{query.params_for(rng)}"


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
    calls = [*report.calls_agents, call_figures.calls_total(report.calls_agents)]
    tables.append(
        _table(
            "calls_agents",
            _("Calls by agent (masked calling)"),
            (_("Agent"), "text"),
            CALL_COLUMNS,
            calls,
            [r["agent__username"] or unassigned for r in report.calls_agents] + [_("All agents")],
        )
    )
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
    both = Table(
        name="second_causes",
        title=str(_("Reviews that blame two parties")),
        headers=[str(_("Main cause")), str(_("Second cause")), str(_("Neutral or negative")),
                 str(_("Serious"))],
        kinds=["text", "text", "int", "int"],
    )  # fmt: skip
    for row in second_causes(report.shops, report.range):
        both.rows.append(
            [
                str(labels["cause"].get(row["cause"], row["cause"])),
                str(labels["cause"].get(row["second_cause"], row["second_cause"])),
                row["n"],
                row["serious"],
            ]
        )
    tables.append(both)
    return tables


def _opt(value):
    return "—" if value is None else value


def chart_data(query: ReportQuery, report: figures.Report) -> dict:
    """What static/js/reports.js draws (read from a json_script block, never inline code):
    the range's periods beside the previous range's, period by period (the n-th day of one
    beside the n-th day of the other; by week or month a range may touch one period more)."""
    previous = report.previous_periods
    before = report.range.previous()

    def aligned(key: str) -> list:
        return [previous[i][key] if i < len(previous) else None for i in range(len(report.periods))]

    return {
        "labels": [_period_label(r["period"], query.grain) for r in report.periods],
        "previous_labels": [
            _period_label(previous[i]["period"], query.grain) if i < len(previous) else ""
            for i in range(len(report.periods))
        ],
        "handled": [r["handled"] for r in report.periods],
        "handled_previous": aligned("handled"),
        "revised": [r["revised"] for r in report.periods],
        "revised_previous": aligned("revised"),
        "text": {
            "now": _("This period"),
            "previous": _("Previous period (%(start)s – %(end)s)")
            % {"start": before.start.isoformat(), "end": before.end.isoformat()},
        },
    }
