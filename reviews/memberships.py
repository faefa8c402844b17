"""The signed-in user's memberships, read once per request.

A page that needs the user's shops (the queue) and the navigation that needs the user's roles
(reviews.context_processors) share one query instead of one each: the memberships with their
shops. Kept on the request only, so a membership changed by another request is seen by the
next one.
"""

from django.http import HttpRequest

from .models import Membership, Shop

_ATTR = "_reviewdesk_memberships"


def memberships(request: HttpRequest) -> list[Membership]:
    """The user's memberships with their shops (in the shops' order), one query a request."""
    held = getattr(request, _ATTR, None)
    if held is None:
        held = list(
            Membership.objects.for_user(request.user)
            .select_related("shop")
            .order_by(*[f"shop__{key}" for key in Shop._meta.ordering], "shop_id")
        )
        setattr(request, _ATTR, held)
    return held


def shops_with_role(request: HttpRequest, *roles: str) -> list[Shop]:
    """What Shop.objects.for_user(request.user, *roles) lists, from memberships(request)."""
    return [m.shop for m in memberships(request) if m.role in roles]
