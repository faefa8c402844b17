"""The top of the reports page, read at a glance: headline tiles, the trend against the previous
range of equal length, and the worst products, couriers and agents — all folded from a computed
`figures.Report` (no query of its own).

A headline rate never stands alone: each is written with its part and its base
(「18 条已修改 / 231 条（7.8%）」), so "100%" over 18 finished reviews of 231 cannot read as
"all solved". A new headline figure is one more `Tile` in `headline`; a new "worst" list one
more `Worst` in `worst`.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from . import figures
from .query import ReportQuery

WORST_SHOWN = 5


def pct(part: int | None, whole: int | None) -> str:
    """part ÷ whole as "7.8%", or "—" over nothing (never a rate without a base)."""
    return f"{part / whole * 100:.1f}%" if whole else "—"


def change(now: int, before: int) -> str:
    """The change from the previous range as "+15.5%", "−3.0%", or "+12" from nothing."""
    if not before:
        return f"+{now}" if now else "±0"
    delta = (now - before) / before * 100
    return f"{'+' if delta >= 0 else '−'}{abs(delta):.1f}%"


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str  # the big figure: a count, or part / base
    base: str  # the figure spelt out with its base and rate
    previous: str = ""  # the same figure over the previous range, when there is one
    tone: str = ""  # "bad" where the figure asks for attention


def fraction(part: int, whole: int) -> str:
    return f"{part} / {whole} ({pct(part, whole)})"


def _previous(text: str) -> str:
    return _("Previous period: %(figure)s") % {"figure": text}


def headline(report: figures.Report) -> list[Tile]:
    total, before = report.total, report.previous
    handled, revised = total["handled"], total["revised"]
    open_, closed = total["unresolved"], total["closed"]
    funnel = report.funnel
    positive = sum(row["positive"] for row in report.good_rate)
    speed = report.speed
    tiles = [
        Tile(
            "handled",
            _("Neutral and negative reviews"),
            str(handled),
            _("%(open)s of them still open") % {"open": open_},
            _previous(f"{before['handled']} ({change(handled, before['handled'])})"),
        ),
        Tile(
            "revised",
            _("Revised"),
            f"{revised} / {handled}",
            _("%(part)s revised / %(whole)s (%(pct)s)")
            % {"part": revised, "whole": handled, "pct": pct(revised, handled)},
            _previous(fraction(before["revised"], before["handled"])),
        ),
        Tile(
            "unresolved",
            _("Unresolved"),
            f"{open_} / {handled}",
            _("%(part)s unresolved / %(whole)s (%(pct)s)")
            % {"part": open_, "whole": handled, "pct": pct(open_, handled)},
            _previous(fraction(before["unresolved"], before["handled"])),
            "bad" if handled and open_ * 2 > handled else "",
        ),
        Tile(
            "finished",
            _("Revised among the finished"),
            f"{revised} / {closed}",
            _("%(part)s of %(whole)s finished reviews revised (%(pct)s)")
            % {"part": revised, "whole": closed, "pct": pct(revised, closed)},
            _previous(fraction(before["revised"], before["closed"])),
        ),
        Tile(
            "kept_word",
            _("Agreed, then revised"),
            f"{funnel.get('revised', 0)} / {funnel.get('agreed', 0)}",
            _("%(part)s of %(whole)s buyers who agreed have revised (%(pct)s)")
            % {
                "part": funnel.get("revised", 0),
                "whole": funnel.get("agreed", 0),
                "pct": pct(funnel.get("revised", 0), funnel.get("agreed", 0)),
            },
            _previous(fraction(before["agreed_revised"], before["agreed"])),
        ),
        Tile(
            "good_rate",
            _("Good-review rate"),
            f"{positive} / {positive + handled}",
            _("%(part)s positive / %(whole)s reviews (%(pct)s)")
            % {
                "part": positive,
                "whole": positive + handled,
                "pct": pct(positive, positive + handled),
            },
            _previous(fraction(before["positive"], before["positive"] + before["handled"])),
        ),
        Tile(
            "first_contact",
            _("First contact, median"),
            "—"
            if speed["median_hours"] is None
            else _("%(hours)s h") % {"hours": speed["median_hours"]},
            _("over %(n)s contacted reviews; 90%% within %(p90)s h")
            % {"n": speed["contacted"], "p90": speed["p90_hours"]}
            if speed["contacted"]
            else _("no review contacted in the range"),
        ),
        Tile(
            "overdue",
            _("Overdue follow-ups, now"),
            str(speed["overdue"]),
            _("due or missed, whatever the range"),
            tone="bad" if speed["overdue"] else "",
        ),
    ]
    return tiles


@dataclass
class WorstRow:
    name: str
    figure: str  # the count with its base
    note: str  # serious ones, the previous range
    link: str
    worse: bool = False  # more than in the previous range


@dataclass
class Worst:
    key: str
    title: str
    rows: list[WorstRow] = field(default_factory=list)
    table: str = ""  # the detailed table below (its id), for "all of them"


def _roots(query: ReportQuery, report: figures.Report, dim: str, param: str) -> list[WorstRow]:
    drill = reverse("reports_reviews")
    handled = report.total["handled"]
    return [
        WorstRow(
            name=row["key"],
            figure=_("%(n)s / %(whole)s reviews (%(pct)s)")
            % {"n": row["n"], "whole": handled, "pct": pct(row["n"], handled)},
            note=_("%(serious)s serious · previous period %(previous)s")
            % {"serious": row["serious"], "previous": row["previous"]},
            link=f"{drill}?{query.params(**{param: row['key']})}",
            worse=row["n"] > row["previous"],
        )
        for row in report.roots[dim][:WORST_SHOWN]
    ]


def _agents(query: ReportQuery, report: figures.Report) -> list[WorstRow]:
    """Assignees with the most open work, the unassigned among them; each with what they
    revised of what they hold."""
    drill = reverse("reports_reviews")
    rows = [r for r in report.breakdowns["assigned_to"] if r["unresolved"]]
    rows.sort(key=lambda r: (-r["unresolved"], r["assigned_to__username"] or ""))
    return [
        WorstRow(
            name=row["assigned_to__username"] or _("Unassigned"),
            figure=_("%(open)s unresolved / %(whole)s")
            % {"open": row["unresolved"], "whole": row["handled"]},
            note=_("%(part)s revised / %(whole)s (%(pct)s)")
            % {
                "part": row["revised"],
                "whole": row["handled"],
                "pct": pct(row["revised"], row["handled"]),
            },
            link=f"{drill}?{query.params(agent=str(row['assigned_to'] or 'none'))}",
        )
        for row in rows[:WORST_SHOWN]
    ]


def worst(query: ReportQuery, report: figures.Report) -> list[Worst]:
    return [
        Worst(
            "products",
            _("Products with the most complaints"),
            _roots(query, report, "product_name", "product"),
            "top_products",
        ),
        Worst(
            "couriers",
            _("Couriers with the most complaints"),
            _roots(query, report, "courier", "courier"),
            "top_couriers",
        ),
        Worst("agents", _("Agents with the most open reviews"), _agents(query, report), "agents"),
    ]
