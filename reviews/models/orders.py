"""Orders as a shop's order/logistics export knows them: who bought, for how much, and when
it was delivered. They live beside the reviews because they arrive the same way (a file
export) and a review names its order; what outreach does with a delivery (the care call)
belongs to outreach."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .buyers import Buyer
from .shops import Shop


class OrderQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "OrderQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))

    def for_review(self, review) -> "Order | None":
        """The order a review was left on, matched on the platform's order id (either may
        arrive first; no review id is stored on the order)."""
        if not review.order_id:
            return None
        return self.filter(shop_id=review.shop_id, order_id=review.order_id).first()


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders")
    order_id = models.CharField(_("order id"), max_length=100)
    buyer = models.ForeignKey(
        Buyer, on_delete=models.PROTECT, related_name="orders", null=True, blank=True
    )
    amount = models.DecimalField(
        _("paid amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # As the platform writes it (交易成功, 卖家已发货…): shown, and read only to leave closed
    # orders without a care call.
    status = models.CharField(_("order status"), max_length=40, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            # Also the lookups: a re-import's existing orders, a review's order.
            models.UniqueConstraint(fields=["shop", "order_id"], name="order_id_per_shop")
        ]

    def __str__(self) -> str:
        return self.order_id

    @property
    def is_closed(self) -> bool:
        return any(word in self.status.casefold() for word in CLOSED_STATUS_WORDS)


# 交易关闭 / 已取消 / (JD) 已取消 / 退款成功: no delivery to care about.
CLOSED_STATUS_WORDS = ("关闭", "取消", "退款成功", "closed", "cancel")
