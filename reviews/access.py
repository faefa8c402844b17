"""Guards every view uses: the user's shops, their roles, and one guard per object."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .models import ImportBatch, Order, Review, Shop


def shops_for(request: HttpRequest, *roles: str):
    """The request user's shops (with one of `roles`, if given); 403 when there are none."""
    shops = Shop.objects.for_user(request.user, *roles)
    if not shops.exists():
        raise PermissionDenied
    return shops


def get_review_for_user(request: HttpRequest, pk: int, *roles: str) -> Review:
    """The review if it belongs to one of the user's shops, else 404 (never 403: a user of
    another shop must not learn that the id exists)."""
    return get_object_or_404(
        Review.objects.for_user(request.user, *roles).select_related("shop", "buyer"), pk=pk
    )


def get_import_batch_for_user(request: HttpRequest, pk: int, *roles: str) -> ImportBatch:
    """The import batch if it belongs to one of the user's shops (with one of `roles`), else 404."""
    return get_object_or_404(
        ImportBatch.objects.for_user(request.user, *roles).select_related("shop", "created_by"),
        pk=pk,
    )


def get_order_for_user(request: HttpRequest, pk: int, *roles: str) -> Order:
    """The order if it belongs to one of the user's shops (with one of `roles`), else 404."""
    return get_object_or_404(
        Order.objects.for_user(request.user, *roles).select_related("shop", "buyer"), pk=pk
    )


def get_shop_for_user(request: HttpRequest, slug: str, *roles: str) -> Shop:
    return get_object_or_404(Shop.objects.for_user(request.user, *roles), slug=slug)


__all__ = [
    "get_import_batch_for_user",
    "get_order_for_user",
    "get_review_for_user",
    "get_shop_for_user",
    "login_required",
    "shops_for",
]
