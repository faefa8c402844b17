"""The agreed follow-up time on the review page: what the typed phrase was understood as, shown
while the agent types and again after saving, and the minute the save then uses.

One zone for both: the buyer's own zone when they have one, else the shop's."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from reviews.access import get_review_for_user
from reviews.models import Review

from .. import workcalendar
from ..models import Playbook
from ..timephrase import MAX_AHEAD, TimePhraseAmbiguous, TimePhraseError, parse_time_phrase

PREVIEW = "outreach/review_detail.html#agreed-preview"


def agreed_zone(review: Review) -> ZoneInfo:
    """The zone the buyer's words are read in (the quiet hours are the buyer's too)."""
    return review.buyer.tz if review.buyer else review.shop.tz


def zone_label(review: Review) -> str:
    zone = agreed_zone(review)
    if review.buyer and review.buyer.timezone:
        return _("buyer's local time, %(zone)s") % {"zone": zone.key}
    # The buyer's zone is not known: the phrase is read in the shop's, and the page says so.
    return _("shop time, %(zone)s") % {"zone": zone.key}


def _weekday(moment: datetime) -> str:
    names = (
        pgettext("weekday", "Mon"),
        pgettext("weekday", "Tue"),
        pgettext("weekday", "Wed"),
        pgettext("weekday", "Thu"),
        pgettext("weekday", "Fri"),
        pgettext("weekday", "Sat"),
        pgettext("weekday", "Sun"),
    )
    return names[moment.weekday()]


def _date(moment: datetime, local_now: datetime) -> str:
    """'12月3日 周四' (the year too when it is not this year's)."""
    values = {"year": moment.year, "month": moment.month, "day": moment.day}
    if moment.year != local_now.year:
        text = pgettext("agreed time", "%(month)d/%(day)d/%(year)d") % values
    else:
        text = pgettext("agreed time", "%(month)d/%(day)d") % values
    return f"{text} {_weekday(moment)}"


def describe(moment: datetime, review: Review, *, now: datetime) -> str:
    """'12月3日 周四 15:00', in the zone the phrase was read in."""
    zone = agreed_zone(review)
    local = moment.astimezone(zone)
    return f"{_date(local, now.astimezone(zone))} {local:%H:%M}"


def _reading_label(moment: datetime, local_now: datetime) -> str:
    """A button's label: '今天 08:15', '明天 20:15', or the date for a day further ahead."""
    days = (moment.date() - local_now.date()).days
    day = {
        0: pgettext("agreed time", "today"),
        1: pgettext("agreed time", "tomorrow"),
    }.get(days) or _date(moment, local_now)
    return f"{day} {moment:%H:%M}"


def preview_context(review: Review, phrase: str, *, now: datetime) -> dict:
    """What the preview shows for `phrase`: the understood minute, the refusal's hint, or one
    button per reading of an ambiguous hour (each filling the box with an exact form)."""
    phrase = phrase.strip()
    context: dict = {"agreed_at": phrase, "agreed_zone": zone_label(review)}
    if not phrase:
        return context
    zone = agreed_zone(review)
    try:
        when = parse_time_phrase(phrase, now=now, tz=zone)
    except TimePhraseAmbiguous as exc:
        local_now = now.astimezone(zone)
        context["agreed_problem"] = exc.message
        context["agreed_readings"] = [
            (f"{r.astimezone(zone):%Y-%m-%d %H:%M}", _reading_label(r.astimezone(zone), local_now))
            for r in exc.readings
        ]
        return context
    except TimePhraseError as exc:
        context["agreed_problem"] = exc.message
        return context
    context["agreed_when"] = when
    context["agreed_shown"] = when.isoformat()
    context["agreed_when_text"] = describe(when, review, now=now)
    context["agreed_off_duty"] = off_duty_warning(review, when)
    return context


def off_duty_warning(review: Review, when: datetime) -> str:
    """A warning when the shop does not work at the agreed minute (a holiday, its day off,
    after hours). The follow-up keeps the minute the buyer agreed to all the same."""
    wait = workcalendar.why_waiting(Playbook.objects.for_shop(review.shop).working_calendar(), when)
    if wait is None:
        return ""
    return _(
        "Nobody is scheduled to work then (%(why)s). The follow-up keeps the time the buyer "
        "agreed to: make sure someone will be on duty."
    ) % {"why": workcalendar.describe_wait(wait.why, wait.holiday)}


def shown_minute(request: HttpRequest, phrase: str, *, now: datetime) -> datetime | None:
    """The minute the preview showed for exactly this phrase, if the form carries one still
    ahead: the save uses it, so "20分钟后" saved a minute later, or "明天 10:00" previewed just
    before midnight, is still the minute the agent read back to the buyer. None: no preview
    for this phrase (typed faster than the preview, or no JavaScript); the phrase is parsed."""
    if request.POST.get("agreed_shown_for", "").strip() != phrase:
        return None
    try:
        when = datetime.fromisoformat(request.POST.get("agreed_shown", ""))
    except ValueError:
        return None
    if timezone.is_naive(when) or not now < when <= now + MAX_AHEAD:
        return None
    return when


@login_required
@require_GET
def review_agreed_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The live preview under the agreed-time box (htmx, as the agent types)."""
    review = get_review_for_user(request, pk)
    phrase = request.GET.get("agreed_at", "")[:200]
    return render(request, PREVIEW, preview_context(review, phrase, now=timezone.now()))
