"""The audit log page: a manager reads who did what, when and from where in their shops."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import cursors
from .access import shops_for
from .audit import ACTIONS
from .models import AuditLog, Role, Shop
from .params import whole
from .privacy import mask_phones

PAGE_SIZE = 50


# The days the filter takes: the day after 9999-12-31 (the end of a "to" day) is no date.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class AuditQuery:
    """The filters, read from the URL (every view of the log is a link). A value that makes
    no sense is dropped with a message saying which, never silently."""

    shops: list[Shop]
    action: str = ""
    actor: User | None = None
    start: date | None = None
    end: date | None = None
    shop: Shop | None = None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_get(cls, params: QueryDict, managed: list[Shop], people: dict[int, User]):
        query = cls(shops=managed)
        if action := params.get("action", ""):
            if action in ACTIONS:
                query.action = action
            else:
                query.problems.append(
                    _("Unknown action “%(value)s”: not filtered.") % {"value": action}
                )
        if who := params.get("user", ""):
            if whole(who) in people:
                query.actor = people[whole(who)]
            else:
                query.problems.append(
                    _("Unknown person “%(value)s”: not filtered.") % {"value": who}
                )
        if slug := params.get("shop", ""):
            query.shop = next((s for s in managed if s.slug == slug), None)
            if query.shop is None:
                query.problems.append(
                    _("Unknown shop “%(value)s”: not filtered.") % {"value": slug}
                )
        for name in ("from", "to"):
            if value := params.get(name, ""):
                if (day := _date(value)) is None:
                    query.problems.append(
                        _("“%(value)s” is not a date (YYYY-MM-DD): not filtered.")
                        % {"value": value}
                    )
                elif not FIRST_DAY <= day <= LAST_DAY:
                    query.problems.append(
                        _("“%(value)s” is outside the years 1970 to 2999: not filtered.")
                        % {"value": value}
                    )
                elif name == "from":
                    query.start = day
                else:
                    query.end = day
        if query.start and query.end and query.start > query.end:
            query.problems.append(_("The start date is after the end date: dates not filtered."))
            query.start = query.end = None
        return query

    @property
    def tz(self):
        return (self.shop or self.shops[0]).tz

    def entries(self):
        rows = AuditLog.objects.filter(shop__in=[self.shop] if self.shop else self.shops)
        if self.action:
            rows = rows.filter(action=self.action)
        if self.actor:
            rows = rows.filter(actor=self.actor)
        # Days are the shop's days (the first managed shop's, when several are shown).
        if self.start:
            rows = rows.filter(created_at__gte=datetime.combine(self.start, time(), self.tz))
        if self.end:
            next_day = datetime.combine(self.end + timedelta(days=1), time(), self.tz)
            rows = rows.filter(created_at__lt=next_day)
        return rows

    def params(self, **extra: str) -> str:
        pairs = [
            ("action", self.action),
            ("user", str(self.actor.pk) if self.actor else ""),
            ("shop", self.shop.slug if self.shop else ""),
            ("from", self.start.isoformat() if self.start else ""),
            ("to", self.end.isoformat() if self.end else ""),
            *extra.items(),
        ]
        return urlencode([(k, v) for k, v in pairs if v])


def _target_link(target: str) -> str:
    kind, _sep, pk = target.partition(":")
    if kind == "review" and (review_id := whole(pk)) is not None:
        return reverse("review_detail", args=[review_id])
    return ""


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest first, in keyset pages on (created_at, id) so an old page costs what the first
    does; the (shop, created_at) index serves both the filter and the order."""
    managed = list(shops_for(request, Role.MANAGER))
    # Everyone who works in these shops, and the superusers (who edit shops in the admin).
    # Not "everyone in the log": that would scan the whole log on every page.
    people = {
        user.pk: user
        for user in User.objects.filter(
            Q(memberships__shop__in=managed) | Q(is_superuser=True)
        ).distinct()
    }
    query = AuditQuery.from_get(request.GET, managed, people)
    rows = query.entries()
    after = cursors.decode_moment(request.GET.get("after", ""))
    if request.GET.get("after") and after is None:
        query.problems.append(str(cursors.BROKEN))
    if after:
        moment, pk = after
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    page = list(
        rows.select_related("actor", "shop").order_by("-created_at", "-id")[: PAGE_SIZE + 1]
    )
    next_url = ""
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        next_url = "?" + query.params(after=cursors.encode_moment(page[-1].created_at, page[-1].pk))
    labels = {action: str(label) for action, label in ACTIONS.items()}
    for entry in page:
        entry.label = labels.get(entry.action, entry.action)
        entry.link = _target_link(entry.target)
        entry.local_time = entry.created_at.astimezone(entry.shop.tz if entry.shop else query.tz)
        entry.actor_name = entry.actor and (entry.actor.get_full_name() or entry.actor.username)
        # The lines hold no phone number (audit_record masks them); masked again for old ones.
        entry.details = "; ".join(
            f"{key}={mask_phones(str(value))[:120]}" for key, value in entry.data.items()
        )
    return render(
        request,
        "reviews/audit_log.html",
        {
            "query": query,
            "entries": page,
            "next_url": next_url,
            "first_url": "?" + query.params() if after else "",
            "actions": sorted(ACTIONS.items(), key=lambda item: str(item[1])),
            "people": sorted(people.values(), key=lambda u: u.username),
            "managed": managed,
        },
        status=400 if request.GET.get("after") and after is None else 200,
    )
