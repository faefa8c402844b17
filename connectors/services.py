"""Pulling a shop's reviews from its platform: the claim, the cursor's windows and page
checkpoints, storing each page through `reviews.ingest` (same keys, idempotency, row errors
and hand-off as files and the webhook), the look-up of open reviews again, and what a
platform's refusal means for the connection (back off, stop and tell the leads).

A page and its checkpoint commit together: a pull that dies between pages resumes at the
first page it did not store, and a page stored twice (the overlap, a duplicate across pages)
changes nothing the second time, since the review's key decides."""

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outreach.models import AlertKind
from outreach.services.lead_alerts import absolute, shop_leads_alert
from outreach.services.public_reply import reply_record_found
from reviews.ingest import values
from reviews.ingest.batches import items_import
from reviews.ingest.outcomes import CREATED, REJECTED, REVISED, UPDATED
from reviews.models import OPEN_STATUSES, ImportSource, Review

from .clients import (
    CallFailed,
    Client,
    ConnectorError,
    SessionExpired,
    Throttled,
    Window,
    client_for,
)
from .models import ConnectionStatus, PlatformConnection, PullCursor, PullOutcome, PullRun
from .tokens import due_connections, refreshable, token_fresh
from .triggers import PULL_TASK

logger = logging.getLogger(__name__)

# A pull's claim older than this belongs to a dead worker (the task time limit is 30 min).
CLAIM_LEASE = timedelta(minutes=35)
# How long before a known expiry the leads are warned.
EXPIRY_WARNING = timedelta(days=7)
# Revisions and 追评 are looked for on reviews this recent (Taobao's 30-day windows).
RECHECK_DAYS = 30
RUNS_KEPT = timedelta(days=14)
# A slice is never cut shorter than this (a platform capping a minute's records is broken).
MIN_SLICE = timedelta(minutes=1)
CURSOR_FIELDS = ["synced_until", "window_start", "window_end", "next_page", "slice_seconds"]


@dataclass
class Found:
    created: int = 0
    updated: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: int = 0
    replies: int = 0


def connection_pull(*, connection_id: int, now: datetime | None = None) -> PullRun | None:
    """One pull of one shop, at most one at a time per shop; None when it may not run now
    (another pull holds it, it is disabled or expired, or it is backing off)."""
    now = now or timezone.now()
    claimed = (
        PlatformConnection.objects.filter(id=connection_id, enabled=True)
        .exclude(status=ConnectionStatus.EXPIRED)
        .filter(Q(pulling_since__isnull=True) | Q(pulling_since__lt=now - CLAIM_LEASE))
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
        .update(pulling_since=now, pull_wanted_at=None)
    )
    if claimed != 1:
        return None
    connection = PlatformConnection.objects.select_related("shop").get(id=connection_id)
    run = PullRun.objects.create(connection=connection, started_at=now)
    fields: dict = {"pulling_since": None}
    try:
        _warn_before_expiry(connection, now)
        renewed = _token_fresh(connection, now)
        deadline = time.monotonic() + settings.CONNECTORS["PULL_BUDGET_S"]
        try:
            _pull_streams(connection, run, now=now, deadline=deadline)
        except SessionExpired:
            if renewed or not refreshable(connection):
                raise
            # Refused before its time (revoked, a clock apart): renewed now, and read on from
            # the checkpoints; refused again, it is expired for good.
            token_fresh(connection_id=connection.id, now=now, refused_token=connection.session_key)
            connection.refresh_from_db()
            _pull_streams(connection, run, now=now, deadline=deadline)
    except Throttled as exc:
        backoff = timedelta(seconds=settings.CONNECTORS["THROTTLE_BACKOFF_S"])
        fields |= _failure(ConnectionStatus.THROTTLED, exc) | {"retry_after": now + backoff}
        _finish(run, PullOutcome.THROTTLED, exc)
    except SessionExpired as exc:
        fields |= _failure(ConnectionStatus.EXPIRED, exc)
        _finish(run, PullOutcome.EXPIRED, exc)
        _tell_expired(connection, exc)
    except CallFailed as exc:
        fields |= _failure(ConnectionStatus.FAILING, exc)
        _finish(run, PullOutcome.FAILED, exc)
    except Exception as exc:
        fields |= _failure(ConnectionStatus.FAILING, CallFailed("error", str(exc)))
        _finish(run, PullOutcome.FAILED, CallFailed("error", str(exc)))
        raise
    else:
        fields |= {
            "status": ConnectionStatus.OK,
            "last_success_at": now,
            "last_error": "",
            "retry_after": None,
        }
        _finish(run, PullOutcome.OK, None)
    finally:
        PlatformConnection.objects.filter(id=connection.id).update(**fields)
        # A run every five minutes: the page needs today's and the latest few.
        PullRun.objects.filter(connection=connection, started_at__lt=now - RUNS_KEPT).delete()
    run.refresh_from_db()
    return run


def _pull_streams(connection: PlatformConnection, run: PullRun, *, now, deadline) -> None:
    client = client_for(connection)
    for stream in client.streams:
        _pull_stream(connection, client, stream, run, now=now, deadline=deadline)
    _recheck(connection, client, run)


def _token_fresh(connection: PlatformConnection, now: datetime) -> bool:
    """Kuaishou's access token refreshed first when it is about to expire (True when it was).
    A refresh that failed (network, an unreadable answer) lets the pull go on while the token
    still works."""
    try:
        if token_fresh(connection_id=connection.id, now=now):
            connection.refresh_from_db()
            return True
    except CallFailed as exc:
        expires = connection.token_expires_at
        if expires is None or expires <= now:
            raise
        logger.warning("token refresh of connection %s failed: %s", connection.id, exc)
    return False


def _failure(status: str, exc: ConnectorError) -> dict:
    return {
        "status": status,
        "last_error": f"{exc.code}: {exc.message}"[:500],
        "last_error_at": timezone.now(),
    }


def _finish(run: PullRun, outcome: str, exc: ConnectorError | None) -> None:
    message = f"{exc.code}: {exc.message}"[:500] if exc else ""
    PullRun.objects.filter(id=run.id).update(
        outcome=outcome, finished_at=timezone.now(), message=message
    )


def _pull_stream(
    connection: PlatformConnection,
    client: Client,
    stream: str,
    run: PullRun,
    *,
    now: datetime,
    deadline: float,
) -> None:
    """Read the stream's window slice by slice and page by page from its checkpoint."""
    cursor, _created = PullCursor.objects.get_or_create(connection=connection, stream=stream)
    if cursor.window_end is None:
        floor = now - client.max_age
        overlap = timedelta(minutes=settings.CONNECTORS["OVERLAP_MINUTES"])
        start = floor if cursor.synced_until is None else cursor.synced_until - overlap
        cursor.window_start = max(start, floor)
        cursor.window_end = now
        cursor.next_page = 1
        cursor.save(update_fields=["window_start", "window_end", "next_page"])
    # Pages are stored in groups of about ITEMS_PER_COMMIT reviews, each group with the
    # checkpoint after its last page in one transaction: a commit costs ~0.1 s on a small
    # server, a page holds at most 150 reviews. Pages read but not yet stored are read again
    # after a crash, since the checkpoint moves only with them.
    per_commit = settings.CONNECTORS["ITEMS_PER_COMMIT"]
    pending: list[dict] = []
    pages = 0

    def store() -> None:
        nonlocal pages
        with transaction.atomic():
            _store(connection, pending, run)
            cursor.save(update_fields=CURSOR_FIELDS)
            PullRun.objects.filter(id=run.id).update(pages=F("pages") + pages)
        pending.clear()
        pages = 0

    while cursor.window_end is not None and time.monotonic() <= deadline:
        span = timedelta(seconds=cursor.slice_seconds) if cursor.slice_seconds else client.slice
        slice_end = min(cursor.window_start + span, cursor.window_end)
        window = Window(start=cursor.window_start, end=slice_end, page_no=cursor.next_page)
        try:
            page = client.page(stream, window)
        except ConnectorError:
            if pages:
                store()  # what was read before the refusal stays read
            raise
        pending.extend(page.items)
        pages += 1
        if page.capped and span > MIN_SLICE:
            # The platform pages no further: the same start again with half the span (the
            # pages read stay read; reading them again changes nothing).
            cursor.slice_seconds = int(max(span / 2, MIN_SLICE).total_seconds())
            cursor.next_page = 1
        elif page.has_next and not page.capped:
            cursor.next_page += 1
        else:
            if window.page_no == 1 and slice_end < cursor.window_end:
                # One page held the slice: the next may cover twice as long.
                grown = min(span * 2, client.max_slice)
                cursor.slice_seconds = int(grown.total_seconds())
            if slice_end >= cursor.window_end:
                cursor.synced_until = cursor.window_end
                cursor.window_start = cursor.window_end = None
            else:
                cursor.window_start = slice_end
            cursor.next_page = 1
        if len(pending) >= per_commit:
            store()
    if pages:
        store()  # past the deadline the next pull resumes at the checkpoint


def _store(connection: PlatformConnection, items: list[dict], run: PullRun) -> Found:
    """One page through the ingestion path, then the seller replies it shows."""
    found = Found()
    if not items:
        return found
    _batch, results = items_import(shop=connection.shop, items=items, source=ImportSource.CONNECTOR)
    replies: dict[int, str] = {}
    for result in results:
        if result.status == CREATED:
            found.created += 1
        elif result.status == UPDATED:
            found.updated += 1
        elif result.status == REVISED:
            found.revised += 1
        elif result.status == REJECTED:
            found.rejected += 1
        else:
            found.unchanged += 1
        reply = items[result.index].get("seller_reply") if result.status != REJECTED else ""
        if reply and result.review_id:
            replies[result.review_id] = reply
    if replies:
        unrecorded = Review.objects.select_related("shop").filter(id__in=list(replies))
        for review in unrecorded.exclude(reply__state="posted"):
            if reply_record_found(review=review, text=replies[review.id]):
                found.replies += 1
    PullRun.objects.filter(id=run.id).update(
        created=F("created") + found.created,
        updated=F("updated") + found.updated,
        revised=F("revised") + found.revised,
        unchanged=F("unchanged") + found.unchanged,
        rejected=F("rejected") + found.rejected,
        replies=F("replies") + found.replies,
    )
    return found


def _recheck(connection: PlatformConnection, client: Client, run: PullRun) -> None:
    """A slice of the shop's open reviews of the last 30 days looked up again, round-robin by
    id: a revision to 好评, a 追评 or a seller reply appears on a review the windows have
    passed already."""
    limit = settings.CONNECTORS["RECHECK_PER_PULL"]
    since = timezone.now() - timedelta(days=RECHECK_DAYS)
    # Not the reviews this pull stored: they were just read.
    open_reviews = Review.objects.filter(
        shop=connection.shop,
        status__in=OPEN_STATUSES,
        reviewed_at__gte=since,
        created_at__lt=run.started_at,
    ).exclude(platform_review_id="")
    reviews = list(open_reviews.filter(id__gt=connection.revision_after_id).order_by("id")[:limit])
    last = reviews[-1].id if len(reviews) == limit else 0  # wrap round after the last
    if reviews:
        by_id = {review.platform_review_id: review for review in reviews}
        items = [
            item
            for item in client.recheck(reviews)
            if item["review_id"] not in by_id or _news(item, by_id[item["review_id"]])
        ]
        if items:  # only what changed: no import batch every five minutes for nothing
            with transaction.atomic():
                _store(connection, items, run)
    PlatformConnection.objects.filter(id=connection.id).update(revision_after_id=last)


def _news(item: dict, review: Review) -> bool:
    """Does the platform show what the stored review lacks: another rating or text, a 追评,
    a seller reply (an open review has none recorded)?"""
    try:
        rating = values.parse_rating(item.get("rating", ""))
    except ValueError:
        return True  # the ingestion path reports it as the row's error
    followup = item.get("followup_text") or ""
    return (
        rating != review.rating
        or (item.get("text") or review.text) != review.text
        or (followup != "" and followup != review.followup_text)
        or bool(item.get("seller_reply"))
    )


def _tell_expired(connection: PlatformConnection, exc: ConnectorError) -> None:
    shop = connection.shop
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(shop)s: the platform authorisation has expired") % {"shop": shop.name}
        body = _(
            "The platform refused the shop's session key (%(error)s). Reviews are no longer "
            "pulled for this shop until a lead enters a new one on the connector page."
        ) % {"error": f"{exc.code} {exc.message}".strip()}
    link = absolute(reverse("connector_page", args=[shop.slug]))
    day = timezone.localdate(timezone.now(), shop.tz).isoformat()
    shop_leads_alert(
        shop=shop,
        kind=AlertKind.CONNECTOR,
        subject=subject,
        body=body,
        link=link,
        key=f"connector-expired:{connection.id}:{day}",
    )
    mail_admins(subject, f"{body}\n\n{link}\n", fail_silently=True)


def _warn_before_expiry(connection: PlatformConnection, now: datetime) -> None:
    # A token refreshed by itself (Kuaishou's 48 hours) ends only with its refresh token: the
    # warning is about that one's expiry, and none when it is not known.
    renewed = refreshable(connection)
    expires = connection.refresh_expires_at if renewed else connection.token_expires_at
    if expires is None or not now >= expires - EXPIRY_WARNING:
        return
    shop = connection.shop
    when = timezone.localtime(expires, shop.tz)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(shop)s: the platform authorisation expires on %(day)s") % {
            "shop": shop.name,
            "day": when.strftime("%Y-%m-%d"),
        }
        if renewed:
            body = _(
                "The shop's refresh token expires at %(when)s; after it the access token can "
                "no longer be renewed. Authorise the app again on the platform and enter the "
                "new access and refresh tokens, or reviews stop arriving then."
            ) % {"when": when.strftime("%Y-%m-%d %H:%M")}
        else:
            body = _(
                "The shop's session key expires at %(when)s. Renew the authorisation on the "
                "platform and enter the new session key, or reviews stop arriving then."
            ) % {"when": when.strftime("%Y-%m-%d %H:%M")}
    link = absolute(reverse("connector_page", args=[shop.slug]))
    # One warning per known expiry: the key names it.
    shop_leads_alert(
        shop=shop,
        kind=AlertKind.CONNECTOR,
        subject=subject,
        body=body,
        link=link,
        key=f"connector-expiring:{connection.id}:{expires.isoformat()}",
    )


def connections_pull_due(*, now: datetime | None = None) -> int:
    """Beat's job: a pull task per enabled connection that may pull now, each after its own
    random delay within the jitter so shops do not hit the platform at the same second. One
    task per shop: a slow or failing shop holds only its own task."""
    now = now or timezone.now()
    ids = list(
        PlatformConnection.objects.filter(enabled=True)
        .exclude(status=ConnectionStatus.EXPIRED)
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
        .filter(Q(pulling_since__isnull=True) | Q(pulling_since__lt=now - CLAIM_LEASE))
        .values_list("id", flat=True)
    )
    jitter = settings.CONNECTORS["JITTER_S"]
    for connection_id in ids:
        countdown = random.uniform(0, jitter)  # noqa: S311 (spreading load, not security)
        current_app.send_task(PULL_TASK, args=(connection_id,), countdown=countdown)
    return len(ids)


def connections_refresh_due(*, now: datetime | None = None) -> int:
    """Beat's check: every Kuaishou access token about to expire is refreshed, whether or not
    the shop pulls now (a disabled or backing-off shop keeps its authorisation). A refused
    refresh stops the shop as an expired token does; a failed one is tried again next time.
    Returns how many were refreshed."""
    now = now or timezone.now()
    refreshed = 0
    for connection in due_connections(now).select_related("shop"):
        try:
            refreshed += token_fresh(connection_id=connection.id, now=now)
        except SessionExpired as exc:
            connection_mark_expired(connection=connection, exc=exc)
        except CallFailed as exc:
            logger.warning("token refresh of connection %s failed: %s", connection.id, exc)
    return refreshed


def connection_mark_expired(*, connection: PlatformConnection, exc: ConnectorError) -> None:
    """A write (「发布到平台」) found the shop's authorisation expired: as a pull would, the
    connection stops (pulls and the button) and its leads and the admins are told."""
    PlatformConnection.objects.filter(id=connection.id).update(
        **_failure(ConnectionStatus.EXPIRED, exc)
    )
    _tell_expired(connection, exc)


def connection_test(*, connection: PlatformConnection) -> str:
    """The 「连接测试」 button: one authenticated call; "" when it worked, else why not."""
    try:
        client_for(connection).ping()
    except ConnectorError as exc:
        if isinstance(exc, SessionExpired):
            PlatformConnection.objects.filter(id=connection.id).update(
                **_failure(ConnectionStatus.EXPIRED, exc)
            )
        return f"{exc.code}: {exc.message}"
    return ""
