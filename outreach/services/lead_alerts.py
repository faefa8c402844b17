"""Telling a shop's leads at once: by e-mail and through the shop's chat robot (WeCom,
DingTalk, Feishu), in the background, each alert exactly once per channel.

`shop_leads_alert` writes a LeadAlert row per configured channel — the outbox — in the
caller's transaction and enqueues a task per row once it commits. The worker claims its row
(pending → sending) with a conditional update before talking to anyone, so a duplicated task
sends nothing twice; throttling and network errors go back to pending and the task retries
with back-off; a refusal (a wrong signature, a removed robot) or the last try fails the row
with the provider's code and message, which the lead reads on the settings page and the board.
The unique (shop, key, channel) makes a second alert for the same event impossible.
"""

import logging
import smtplib
import uuid
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reviews.models import Role, Shop

from .. import robots
from ..models import AlertChannel, AlertKind, AlertState, LeadAlert, LeadAlertSettings

logger = logging.getLogger(__name__)

# outreach.tasks registers the task under this name (services never import tasks).
SEND_TASK = "outreach.tasks.lead_alert_send_task"


def send_alert(alert_id: int) -> None:
    """Enqueue one alert's delivery (the worker's side: leadalert_deliver)."""
    current_app.send_task(SEND_TASK, args=(alert_id,), retry=False)


def alert_settings(shop: Shop) -> LeadAlertSettings:
    """The shop's settings; unsaved defaults (e-mail only) when the lead never saved any."""
    return LeadAlertSettings.objects.filter(shop=shop).first() or LeadAlertSettings(shop=shop)


def lead_emails(shop: Shop) -> list[str]:
    return sorted(
        set(
            User.objects.filter(memberships__shop=shop, memberships__role=Role.LEAD, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def shop_leads_alert(
    *,
    shop: Shop,
    kind: str,
    subject: str,
    body: str,
    link: str,
    key: str | None = None,
    now: datetime | None = None,
) -> list[LeadAlert]:
    """Tell the shop's leads on every channel they configured (e-mail, the chat robot).

    `link` is absolute (SITE_URL + path). `key` names the event (e.g. "missed:<planned id>"):
    an alert with the same key is never sent again on a channel. Returns the rows written.
    """
    now = now or timezone.now()
    conf = alert_settings(shop)
    channels = []
    if conf.email:
        channels.append(AlertChannel.EMAIL)
    if conf.robot and conf.robot_webhook:
        channels.append(conf.robot)
    key = key or f"{kind}:{uuid.uuid4().hex}"
    created: list[LeadAlert] = []
    for channel in channels:
        try:
            with transaction.atomic():
                alert = LeadAlert.objects.create(
                    shop=shop,
                    kind=kind,
                    key=key[:100],
                    channel=channel,
                    subject=subject[:200],
                    body=body,
                    link=link[:500],
                    created_at=now,
                    next_try_at=now,
                )
        except IntegrityError:
            continue  # this event was already alerted on this channel
        created.append(alert)
        transaction.on_commit(lambda alert_id=alert.id: send_alert(alert_id), robust=True)
    return created


def missed_slot_alert(*, planned, now: datetime) -> list[LeadAlert]:
    """A follow-up escalated as missed: its shop's leads are told, with the board's link to
    give it to another agent."""
    shop = planned.shop
    agent = planned.assigned_to
    who = (agent.get_full_name() or agent.username) if agent else _("nobody")
    due = timezone.localtime(planned.due_at, shop.tz)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Missed follow-up: review #%(review)s") % {"review": planned.review_id}
        body = _(
            "The follow-up due at %(due)s (assigned to %(who)s) was not logged in time. "
            "Give it to another agent or call the buyer yourself."
        ) % {"due": due.strftime("%m-%d %H:%M"), "who": who}
    link = absolute(f"{reverse('board')}?shop={shop.slug}#missed-{planned.id}")
    return shop_leads_alert(
        shop=shop,
        kind=AlertKind.MISSED_SLOT,
        subject=subject,
        body=body,
        link=link,
        key=f"missed:{planned.id}",
        now=now,
    )


class RetryLater(Exception):
    """The alert went back to pending: the task should try again after its back-off."""


def leadalert_deliver(*, alert_id: int, retry_in: float | None) -> str:
    """Send one alert, at most once: "sent", "failed", "retry" (back to pending: try again in
    `retry_in` seconds; None means this is the last try) or "" (someone else has it)."""
    now = timezone.now()
    claimed = LeadAlert.objects.filter(id=alert_id, state=AlertState.PENDING).update(
        state=AlertState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return ""
    alert = LeadAlert.objects.select_related("shop").get(id=alert_id)
    try:
        _send(alert)
    except robots.RobotError as exc:
        if exc.retry and retry_in is not None:
            LeadAlert.objects.filter(id=alert.id, state=AlertState.SENDING).update(
                state=AlertState.PENDING,
                error_code=exc.code[:20],
                error_message=exc.message[:300],
                next_try_at=timezone.now() + timedelta(seconds=retry_in),
            )
            return "retry"
        _finish(alert, AlertState.FAILED, code=exc.code, message=exc.message)
        return "failed"
    _finish(alert, AlertState.SENT)
    return "sent"


def _finish(alert: LeadAlert, state: str, *, code: str = "", message: str = "") -> None:
    fields = {"state": state, "finished_at": timezone.now()}
    if state == AlertState.FAILED:
        fields |= {"error_code": code[:20], "error_message": message[:300]}
        logger.warning("lead alert %s on %s failed: %s %s", alert.id, alert.channel, code, message)
    LeadAlert.objects.filter(id=alert.id, state=AlertState.SENDING).update(**fields)


def _send(alert: LeadAlert) -> None:
    note = robots.Note(subject=alert.subject, body=alert.body, link=alert.link)
    if alert.channel == AlertChannel.EMAIL:
        recipients = lead_emails(alert.shop)
        if not recipients:
            raise robots.RobotError("no address", "no lead of the shop has an e-mail address")
        try:
            send_mail(
                f"[{alert.shop.name}] {alert.subject}",
                f"{alert.body}\n\n{alert.link}\n",
                None,
                recipients,
                fail_silently=False,
            )
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            raise robots.RobotError("smtp", str(exc), retry=True) from exc
        except smtplib.SMTPException as exc:  # refused: a bad address, authentication
            raise robots.RobotError("smtp", str(exc)[:300]) from exc
        except OSError as exc:  # the mail server cannot be reached (SMTPException is one too)
            raise robots.RobotError("smtp", str(exc), retry=True) from exc
        return
    conf = alert_settings(alert.shop)
    if conf.robot != alert.channel or not conf.robot_webhook:
        raise robots.RobotError("config", "the robot was removed from the settings")
    robots.send(alert.channel, webhook=conf.robot_webhook, secret=conf.robot_secret, note=note)


def leadalert_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue pending alerts whose task was lost (Redis down at commit, a lost retry), and
    fail those stuck mid-send — the provider may have got them, and a person can send a test."""
    now = now or timezone.now()
    lease = now - timedelta(seconds=float(settings.OUTREACH_DISPATCH["CLAIM_LEASE_SECONDS"]))
    stuck = LeadAlert.objects.filter(state=AlertState.SENDING, claimed_at__lt=lease)
    stuck.update(
        state=AlertState.FAILED,
        finished_at=now,
        error_code="lost",
        error_message="worker lost mid-send: outcome unknown, not retried",
    )
    requeued = 0
    for alert_id in LeadAlert.objects.filter(
        state=AlertState.PENDING, next_try_at__lt=lease
    ).values_list("id", flat=True)[:200]:
        if LeadAlert.objects.filter(
            id=alert_id, state=AlertState.PENDING, next_try_at__lt=lease
        ).update(next_try_at=now):
            try:
                send_alert(alert_id)
            except Exception:
                logger.exception("broker unavailable; alert %s waits for the next sweep", alert_id)
                LeadAlert.objects.filter(id=alert_id).update(next_try_at=lease)
                break
            requeued += 1
    return requeued


def leadalert_test(*, shop: Shop) -> list[LeadAlert]:
    """The settings page's 「发送测试消息」: a test alert on every configured channel."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("ReviewDesk test message")
        body = _("The shop's leads will be told here when a follow-up is missed.")
    link = absolute(f"{reverse('lead_alerts')}?shop={shop.slug}")
    return shop_leads_alert(shop=shop, kind=AlertKind.TEST, subject=subject, body=body, link=link)


def nobody_fits_alert(*, shop: Shop, events: list, now: datetime) -> list[LeadAlert]:
    """New work of `shop` found no agent on shift with room (assignment on arrival): its
    leads are told once an hour at most, with the count of this batch and the board's link."""
    local = timezone.localtime(now, shop.tz)
    reasons = {event.data.get("why") for event in events}
    with translation.override(settings.LANGUAGE_CODE):
        why = {
            "all_full": _("the agents on shift are full"),
            "none_on_duty": _("no agent is on duty"),
            "no_shift_covers": _("no agent's shift covers the first call"),
        }
        subject = _("%(shop)s: new reviews with nobody to take them") % {"shop": shop.name}
        body = _(
            "%(count)s new review(s) could not be given to an agent (%(why)s). Assign them on "
            "the board, or put an agent on duty."
        ) % {"count": len(events), "why": "; ".join(why.get(r, r) for r in sorted(reasons))}
    return shop_leads_alert(
        shop=shop,
        kind=AlertKind.NOBODY_FITS,
        subject=subject,
        body=body,
        link=absolute(f"{reverse('board')}?shop={shop.slug}"),
        key=f"nobody_fits:{local:%Y%m%d%H}",
        now=now,
    )
