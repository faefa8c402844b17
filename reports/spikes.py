"""Spike alerts: the same sub-cause hitting the same product or courier unusually often
within 7 days — a defect batch or a failing courier, a job for the shop, not for support.

The rule, from the daily roll-ups (`ReportRoot`), per shop, (product or courier, sub-cause):
the last 7 shop-local days hold at least MIN_COUNT reviews and at least RATIO times the
usual 7-day count, "usual" being the average week of the BASELINE_WEEKS weeks before (at
least 1, so a product that never had the complaint alerts at MIN_COUNT). Products count
product/service sub-causes, couriers logistics ones and damage in transit; buyer-side causes
never alert (they are not the shop's to fix).

An alert opens once per (shop, product/courier, sub-cause), follows the count while the spike
lasts, and ends by itself when the rule stops holding. Managers are told by e-mail when it
opens and see it on the reports page until it ends; acknowledging it only marks it seen.
"""

import logging
import unicodedata
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reviews.models import SUBCAUSES_BY_CAUSE, Cause, Membership, Role, Shop, SubCause
from reviews.services import audit_record

from .models import ACTIVE_SPIKES, ReportRoot, RootDimension, SpikeAlert, SpikeState

logger = logging.getLogger(__name__)

WINDOW_DAYS = 7
BASELINE_WEEKS = 4
MIN_COUNT = 5
RATIO = 3.0
WATCHED = {
    RootDimension.PRODUCT: set(SUBCAUSES_BY_CAUSE[Cause.PRODUCT_SERVICE]),
    RootDimension.COURIER: set(SUBCAUSES_BY_CAUSE[Cause.LOGISTICS]) | {SubCause.DAMAGED},
}


def is_spike(recent: int, usual: float) -> bool:
    return recent >= MIN_COUNT and recent >= RATIO * max(usual, 1.0)


def detect(shop: Shop, *, today: date | None = None) -> list[SpikeAlert]:
    """Open, update and end the shop's alerts for the 7 days up to `today` (shop-local);
    returns the alerts opened now."""
    today = today or timezone.localdate(timezone=shop.tz)
    window_start = today - timedelta(days=WINDOW_DAYS - 1)
    baseline_start = window_start - timedelta(days=7 * BASELINE_WEEKS)
    rows = (
        ReportRoot.objects.filter(
            shop=shop,
            dimension__in=list(WATCHED),
            day__gte=baseline_start,
            day__lte=today,
        )
        .exclude(subcause=ReportRoot.ALL)
        .values("dimension", "key", "subcause")
        .annotate(
            recent=Sum("n", filter=Q(day__gte=window_start), default=0),
            before=Sum("n", filter=Q(day__lt=window_start), default=0),
        )
        .filter(recent__gte=MIN_COUNT)
        .order_by()
    )
    found = {}
    for row in rows:
        if row["subcause"] not in WATCHED[row["dimension"]]:
            continue
        usual = row["before"] / BASELINE_WEEKS
        if is_spike(row["recent"], usual):
            found[(row["dimension"], row["key"], row["subcause"])] = (row["recent"], usual)
    opened = []
    with transaction.atomic():
        active = {
            (a.dimension, a.key, a.subcause): a
            for a in SpikeAlert.objects.select_for_update().filter(
                shop=shop, state__in=ACTIVE_SPIKES
            )
        }
        for key, alert in active.items():
            if key not in found:
                alert.state = SpikeState.ENDED
                alert.save(update_fields=["state", "updated_at"])
        for (dimension, name, subcause), (count, usual) in found.items():
            alert = active.get((dimension, name, subcause))
            if alert is None:
                opened.append(
                    SpikeAlert.objects.create(
                        shop=shop,
                        dimension=dimension,
                        key=name,
                        subcause=subcause,
                        window_start=window_start,
                        window_end=today,
                        count=count,
                        baseline=round(usual, 2),
                    )
                )
            elif (alert.count, alert.window_end) != (count, today):
                alert.count, alert.window_start, alert.window_end = count, window_start, today
                alert.baseline = round(usual, 2)
                alert.save(
                    update_fields=["count", "window_start", "window_end", "baseline", "updated_at"]
                )
    return opened


def drill_url(alert: SpikeAlert) -> str:
    """The reviews behind the alert on the reports' drill-down list."""
    param = "product" if alert.dimension == RootDimension.PRODUCT else "courier"
    query = [
        ("from", alert.window_start.isoformat()),
        ("to", alert.window_end.isoformat()),
        ("shop", alert.shop.slug),
        (param, alert.key),
        ("subcause", alert.subcause),
    ]
    return f"{reverse('reports_reviews')}?{urlencode(query)}"


def describe(alert: SpikeAlert) -> str:
    return _("%(key)s: %(subcause)s %(count)s times in 7 days (usually %(usual)s a week)") % {
        "key": alert.key,
        "subcause": SubCause(alert.subcause).label,
        "count": alert.count,
        "usual": f"{alert.baseline:g}",
    }


def notify(alerts: list[SpikeAlert]) -> int:
    """E-mail each new alert to the managers of its shop (those with an address); returns
    how many e-mails left. The alert is marked notified even if nobody has an address: the
    reports page shows it either way. An alert whose e-mail fails is logged and left
    unmarked; the alerts after it are still sent."""
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for alert in alerts:
            try:
                sent += _notify_one(alert)
            except Exception:
                logger.exception("spike alert %s: the e-mail to the managers failed", alert.pk)
                continue
            SpikeAlert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())
    return sent


def _notify_one(alert: SpikeAlert) -> int:
    recipients = list(
        Membership.objects.filter(shop=alert.shop, role=Role.MANAGER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    subject = _("[ReviewDesk] Spike at %(shop)s: %(what)s") % {
        "shop": alert.shop.name,
        "what": describe(alert),
    }
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    body = "\n\n".join(
        [
            describe(alert),
            _(
                "The same complaint about the same product or courier within a "
                "week is usually a defect batch or a failing courier: a job for "
                "the shop, not for support."
            ),
            _("The reviews: %(url)s") % {"url": base + drill_url(alert)},
        ]
    )
    return send_mail(header_text(subject)[:200], body, None, recipients, fail_silently=False)


def header_text(value: str) -> str:
    """`value` on one line, fit for a mail header: product and shop names come from imported
    files, and a line break in a header is refused (BadHeaderError) or, worse, would start a
    header of its own. Control characters and line or paragraph separators become spaces."""
    cleaned = "".join(
        " "
        if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")
        else ch
        for ch in value
    )
    return " ".join(cleaned.split())


def sweep() -> int:
    """Beat (after the roll-up): every shop's alerts, new ones e-mailed. Returns new alerts."""
    opened = []
    for shop in Shop.objects.all():
        opened += detect(shop)
    if opened:
        notify(opened)
    return len(opened)


def acknowledge(*, alert: SpikeAlert, user, ip: str | None = None) -> None:
    with transaction.atomic():
        updated = SpikeAlert.objects.filter(pk=alert.pk, state=SpikeState.OPEN).update(
            state=SpikeState.ACKNOWLEDGED,
            acknowledged_by=user,
            acknowledged_at=timezone.now(),
        )
        if updated:
            audit_record(
                actor=user,
                action="spike_acknowledged",
                shop=alert.shop,
                target=f"spike:{alert.pk}",
                ip=ip,
                dimension=alert.dimension,
                key=alert.key,
                subcause=alert.subcause,
            )
