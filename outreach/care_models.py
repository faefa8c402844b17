"""An order's care call (seed 004 四②): a short call on the delivery day of a high-value order,
before any review. Kept apart from models.py, which is near its size limit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviews.models import Order, Shop


class CareCallOutcome(models.TextChoices):
    ALL_WELL = "all_well", _("Reached, all well")
    PROBLEM = "problem", _("Reached, has a problem")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CareCallQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "CareCallQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))

    def due(self, now) -> "CareCallQuerySet":
        """Open care calls whose window has begun (the queue's care-call list), the missed
        ones of earlier days included until someone logs them; never a buyer who asked not
        to be contacted (or was erased) since it was planned."""
        return self.filter(
            outcome="", due_at__lte=now, order__buyer__do_not_contact_at__isnull=True
        ).order_by("due_at")


class CareCall(models.Model):
    """Seed 004 四②: a short call on the delivery day of a high-value order, before the buyer
    writes any review — so it belongs to the order, not to a review. A review that arrives
    later for the order shows it (Order.objects.for_review). Open while `outcome` is blank;
    due from `due_at`; missed once `deadline_at` has passed unlogged."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="care_call")
    due_at = models.DateTimeField(_("due at"))
    deadline_at = models.DateTimeField(_("deadline"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CareCallOutcome.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    logged_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("care call")
        verbose_name_plural = _("care calls")
        indexes = [
            # The queue's list: WHERE shop IN (…) AND outcome='' AND due_at <= now.
            models.Index(fields=["shop", "due_at"], condition=Q(outcome=""), name="carecall_open"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.due_at:%Y-%m-%d %H:%M}"

    def is_missed(self, now) -> bool:
        return not self.outcome and now >= self.deadline_at
