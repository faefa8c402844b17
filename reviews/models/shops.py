"""Shops and the people who work in them (a role per shop)."""

import functools
import secrets
import zoneinfo
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this machine knows (available_timezones() walks the tz database on
    disk at every call; the importer asks once per row)."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    EBAY = "ebay", _("eBay")
    KUAISHOU = "kuaishou", _("Kuaishou")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    AGENT = "agent", _("Support agent")
    LEAD = "lead", _("Team lead")
    MANAGER = "manager", _("Shop manager")


class ShopQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ShopQuerySet":
        """The shops `user` belongs to (optionally: with one of `roles`).

        Every scoped read in the project starts here, so a forgotten filter cannot leak
        another shop's data.
        """
        if not user.is_authenticated:
            return self.none()
        memberships = Membership.objects.filter(user=user)
        if roles:
            memberships = memberships.filter(role__in=roles)
        return self.filter(id__in=memberships.values("shop_id"))


class Shop(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    high_value_threshold = models.DecimalField(
        _("high-value order threshold"), max_digits=10, decimal_places=2, default=Decimal("500")
    )
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=new_webhook_secret
    )
    revision_link_template = models.CharField(
        _("revision link template"),
        max_length=300,
        blank=True,
        help_text=_("Link sent to buyers who agree to revise; {order_id} is filled in."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "MembershipQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def holds(self, user, shop, *roles: str) -> bool:
        """Does `user` work in `shop` (with one of `roles`, if given)?"""
        memberships = self.filter(user=user, shop=shop)
        return (memberships.filter(role__in=roles) if roles else memberships).exists()

    def on_duty_agents(self, shop) -> list["Membership"]:
        """The shop's agents on duty now, with their users (who auto-assignment may pick)."""
        return list(
            self.filter(shop=shop, on_duty=True, role=Role.AGENT)
            .select_related("user")
            .order_by("user__username")
        )

    def aliases(self, shop_id: int) -> tuple[str, ...]:
        """The names a shop's agents go by with buyers (for reviews.mentions)."""
        return tuple(self.filter(shop_id=shop_id).exclude(alias="").values_list("alias", flat=True))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    on_duty = models.BooleanField(_("on duty"), default=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=40)
    shift_start = models.TimeField(_("shift start"), null=True, blank=True)
    shift_end = models.TimeField(_("shift end"), null=True, blank=True)
    # The name buyers see in the chat (小美): reviews naming it count against this agent.
    alias = models.CharField(_("name buyers see"), max_length=40, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="membership_one_role_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"

    def covers(self, moment: datetime, tz: zoneinfo.ZoneInfo) -> bool:
        """Is `moment` inside this person's shift (in the shop's time zone `tz`)? No shift
        set: always. A shift may run past midnight (22:00–06:00)."""
        if self.shift_start is None or self.shift_end is None:
            return True
        t = moment.astimezone(tz).time()
        start, end = self.shift_start, self.shift_end
        return start <= t < end if start <= end else (t >= start or t < end)
