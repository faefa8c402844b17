from django.conf import settings
from django.http import HttpRequest

from .memberships import memberships
from .models import Role


def navigation(request: HttpRequest) -> dict:
    """Which sections the navigation shows: one per role the user holds in any shop."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {membership.role for membership in memberships(request)}
    return {
        "nav_roles": roles,
        "nav_is_agent": Role.AGENT in roles,
        "nav_is_lead": Role.LEAD in roles,
        "nav_is_manager": Role.MANAGER in roles,
        # static/js/attention.js polls this often (seconds: tab visible, tab hidden).
        "attention_poll": settings.ATTENTION_POLL_SECONDS,
    }
