"""A lead connects the shop's platform from the connector page. The new credentials are tried
with the 「连接测试」 call before anything is stored: a refusal stores nothing and the form
says why, so a mistyped secret never replaces working credentials (the shop keeps pulling with
the old ones). A save is one audit line naming the fields changed, never their values; new
credentials revive an expired connection and queue its first pull at once."""

from django.db import transaction

from reviews.services import audit_record

from .clients import ConnectorError, client_for
from .models import ConnectionStatus, PlatformConnection
from .triggers import connection_pull_soon

# New ones revive an expired connection (a new refresh token too: the old one was refused).
CREDENTIALS = {"app_key", "app_secret", "session_key", "refresh_token", "oauth_secret"}


def connection_connect(*, shop, actor, values: dict) -> tuple[PlatformConnection | None, str]:
    """Store `values` on the shop's connection (created if it has none) once the platform
    accepted them. Returns (the connection, "") or (None, why not: the platform's answer);
    (connection, "") with nothing changed stores nothing."""
    existing = PlatformConnection.objects.filter(shop=shop).first()
    candidate = existing or PlatformConnection(shop=shop, platform=shop.platform)
    changed = sorted(name for name, new in values.items() if getattr(candidate, name) != new)
    if existing is not None and not changed:
        return existing, ""
    for name in changed:
        setattr(candidate, name, values[name])
    if existing is None or CREDENTIALS & set(changed):
        try:
            client_for(candidate).ping()  # the unsaved candidate: nothing stored yet
        except ConnectorError as exc:
            return None, f"{exc.code}: {exc.message}"
        # Accepted: an expired or failing connection is judged afresh by its next pull.
        candidate.status = ConnectionStatus.NEW
        candidate.retry_after = None
        candidate.last_error = ""
    with transaction.atomic():
        candidate.save()
        audit_record(
            actor=actor,
            action="settings_added" if existing is None else "settings_changed",
            shop=shop,
            target=f"platformconnection:{candidate.pk}",
            object=str(candidate),
            changes=changed,
        )
        if existing is None or CREDENTIALS & set(changed):
            connection_pull_soon(connection_id=candidate.pk)
    return candidate, ""
