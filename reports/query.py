"""The reports' URL parameters, read once: which shops, which days, by day, week or month."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode

from django.http import Http404, QueryDict
from django.utils import timezone

from reviews.models import Shop
from reviews.params import whole

from . import figures

PRESETS = (7, 30, 90)
MAX_DAYS = 400


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
        if whole(preset) in PRESETS:
            end, start = today, today - timedelta(days=whole(preset) - 1)
        if start is None or start > end:
            start = end - timedelta(days=29)
        start = max(start, end - timedelta(days=MAX_DAYS - 1))
        rng = figures.DateRange(start, end)
        grain = params.get("grain", "")
        if grain not in figures.GRAINS:
            grain = "day" if rng.days <= 31 else "week" if rng.days <= 190 else "month"
        return cls(shops=shops, range=rng, grain=grain, chosen=chosen)

    def params(self, **extra: str) -> str:
        return f"{self._encoded}&{urlencode(list(extra.items()))}" if extra else self._encoded

    def params_for(self, rng: figures.DateRange) -> str:
        """params() of the same query over other days (a period's drill-down)."""
        return f"from={rng.start.isoformat()}&to={rng.end.isoformat()}&{self._tail}"

    @cached_property
    def _encoded(self) -> str:
        """The query's own part of every link, encoded once: the page builds a few hundred."""
        return self.params_for(self.range)

    @cached_property
    def _tail(self) -> str:
        return urlencode([("grain", self.grain)] + [("shop", slug) for slug in self.chosen])


# The days a report can span: a range counted back or forward from a day near the calendar's
# ends (year 1, year 9999) would overflow Python's date.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or FIRST_DAY <= day <= LAST_DAY else None
