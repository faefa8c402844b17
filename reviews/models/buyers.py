"""Buyers as a shop knows them, and the tombstones of those erased on request."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..privacy import mask_phone
from .shops import Shop, validate_timezone


class Buyer(models.Model):
    """A buyer as one shop knows them (nick is unique per shop on the platforms)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="buyers")
    nick = models.CharField(_("buyer nick"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_timezone]
    )
    do_not_contact_at = models.DateTimeField(_("do not contact since"), null=True, blank=True)
    do_not_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        constraints = [models.UniqueConstraint(fields=["shop", "nick"], name="buyer_nick_per_shop")]

    def __str__(self) -> str:
        return self.nick

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone or self.shop.timezone)


class ErasedBuyer(models.Model):
    """A buyer erased on request (reviews.erasure), by a keyed hash of their nick, never the
    nick itself: an import meeting the nick again skips what predates the erasure and starts
    the buyer it creates for newer reviews as do-not-contact."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    nick_digest = models.CharField(max_length=64)  # reviews.erasure.nick_digest
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the import's lookup, once per chunk: a shop's digests among the chunk's nicks.
            models.UniqueConstraint(fields=["shop", "nick_digest"], name="erasedbuyer_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.nick_digest[:12]}… {self.erased_at:%Y-%m-%d}"
