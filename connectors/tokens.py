"""Kuaishou's access token refreshed before it runs out. An access token lasts 48 hours, the
refresh token that renews it 180 days; the OAuth2 refresh (`GET <gateway>/oauth2/refresh_token`
with `app_id` (the app key), `app_secret` (the app's appSecret, not the signSecret that signs
calls), `grant_type=refresh_token` and `refresh_token`) answers `{"result": 1, "access_token",
"expires_in", "refresh_token", "refresh_token_expires_in", …}` (seconds), or a refusal with
`result` other than 1 and `error`/`error_msg`.

A refresh spends the refresh token it sends: the answer's new one replaces it. So the refresh
runs under the connection's row lock (select_for_update): a second worker waits, then finds a
token no longer expiring and refreshes nothing, and the answer is written back in the same
transaction. It is sent once, never retried (a retry after a lost answer would send a spent
refresh token). A refusal is the authorisation gone (RefreshRefused, a SessionExpired: the
shop stops and its leads are told, as when the gateway refuses the access token); a network
failure or an unreadable answer is CallFailed and changes nothing stored. An access token the
gateway refuses before its time is renewed at once too (the pull asks with `refused_token`)."""

from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reviews.models import Platform
from reviews.services import audit_record

from .clients import CallFailed, SessionExpired, write_session
from .models import ConnectionStatus, PlatformConnection

REFRESH_PATH = "/oauth2/refresh_token"
# A token expiring within this is refreshed (a pull every 5 minutes, beat's check every 30).
REFRESH_MARGIN = timedelta(hours=2)
FIELDS = ["session_key", "token_expires_at", "refresh_token", "refresh_expires_at"]


class RefreshRefused(SessionExpired):
    """Kuaishou refused the refresh token (expired, revoked or spent): renewed no more."""


def refreshable(connection: PlatformConnection) -> bool:
    return bool(
        connection.platform == Platform.KUAISHOU
        and connection.refresh_token
        and connection.oauth_secret
    )


def token_due(connection: PlatformConnection, now: datetime) -> bool:
    """Refreshable, and the access token expires within the margin (or when is not known)."""
    expires = connection.token_expires_at
    return refreshable(connection) and (expires is None or expires - REFRESH_MARGIN <= now)


def due_connections(now: datetime):
    """Beat's check: connections whose access token is to be refreshed now."""
    return (
        PlatformConnection.objects.filter(platform=Platform.KUAISHOU)
        .exclude(refresh_token="")
        .exclude(oauth_secret="")
        .exclude(status=ConnectionStatus.EXPIRED)
        .filter(Q(token_expires_at__isnull=True) | Q(token_expires_at__lte=now + REFRESH_MARGIN))
    )


def token_fresh(
    *, connection_id: int, now: datetime | None = None, refused_token: str = ""
) -> bool:
    """Refresh the connection's access token if it is due, or if it is still `refused_token`
    (the gateway refused it before its time); True when it was refreshed here. Raises
    RefreshRefused when Kuaishou refuses the refresh token, CallFailed when the answer did
    not come or cannot be read."""
    now = now or timezone.now()
    with transaction.atomic():
        connection = (
            PlatformConnection.objects.select_for_update(of=("self",))
            .select_related("shop")
            .get(id=connection_id)
        )
        refused = bool(refused_token) and connection.session_key == refused_token
        if not (token_due(connection, now) or (refused and refreshable(connection))):
            return False  # another worker refreshed it while this one waited for the lock
        answer = _ask(connection)
        connection.session_key = answer["access_token"]
        connection.token_expires_at = now + timedelta(seconds=answer["expires_in"])
        connection.refresh_token = answer["refresh_token"]
        if answer["refresh_token_expires_in"] is not None:
            connection.refresh_expires_at = now + timedelta(
                seconds=answer["refresh_token_expires_in"]
            )
        connection.save(update_fields=[*FIELDS, "updated_at"])
        audit_record(
            actor=None,
            action="settings_changed",
            shop=connection.shop,
            target=f"platformconnection:{connection.pk}",
            object=str(connection),
            changes=FIELDS,
            reason="token refreshed",
        )
    return True


def _ask(connection: PlatformConnection) -> dict:
    base = settings.CONNECTORS["KUAISHOU_API_URL"].rstrip("/")
    params = {
        "app_id": connection.app_key,
        "app_secret": connection.oauth_secret,
        "grant_type": "refresh_token",
        "refresh_token": connection.refresh_token,
    }
    try:
        response = write_session().get(
            base + REFRESH_PATH, params=params, timeout=settings.CONNECTORS["TIMEOUT"]
        )
    except requests.RequestException as exc:
        raise CallFailed("network", f"token refresh: {str(exc)[:250]}") from exc
    try:
        body = response.json()
    except ValueError:
        raise CallFailed(
            "malformed", f"token refresh: HTTP {response.status_code}, not JSON"
        ) from None
    if not isinstance(body, dict):
        raise CallFailed("malformed", "token refresh: the answer is not a JSON object")
    if body.get("result") != 1:
        code = str(body.get("result") or body.get("code") or response.status_code)
        words = str(body.get("error_msg") or body.get("error") or "")
        if response.status_code >= 500:
            raise CallFailed(code, f"token refresh: {words}")
        raise RefreshRefused(code, f"token refresh refused: {words}".strip())
    token, renewal = body.get("access_token"), body.get("refresh_token")
    lasts, renewal_lasts = body.get("expires_in"), body.get("refresh_token_expires_in")
    if not (isinstance(token, str) and token and isinstance(renewal, str) and renewal):
        raise CallFailed("malformed", "token refresh: no access_token or refresh_token")
    if not _seconds(lasts) or (renewal_lasts is not None and not _seconds(renewal_lasts)):
        raise CallFailed("malformed", "token refresh: expires_in is not a number of seconds")
    return {
        "access_token": token,
        "expires_in": int(lasts),
        "refresh_token": renewal,
        "refresh_token_expires_in": None if renewal_lasts is None else int(renewal_lasts),
    }


def _seconds(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
