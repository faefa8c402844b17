"""The cause taxonomy: why reviews happen (seeds 001 and 003), as codes and labels.

Pure: the models, the classifier's lexicon and the forms all read it; nothing here touches
the database, so the classifier stays importable without the ORM.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cause(models.TextChoices):
    LOGISTICS = "logistics", _("Logistics")
    PRODUCT_SERVICE = "product_service", _("Product / service")
    BUYER_SIDE = "buyer_side", _("Buyer side")
    UNCLEAR = "unclear", _("Unclear")


class SubCause(models.TextChoices):
    COURIER_SPEED = "courier_speed", _("Courier speed")
    COURIER_ATTITUDE = "courier_attitude", _("Courier attitude")
    LOST_OR_MISDELIVERED = "lost_or_misdelivered", _("Lost or misdelivered")
    LOGISTICS_OTHER = "logistics_other", _("Other logistics")
    QUALITY = "quality", _("Quality")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item", _("Wrong or missing item")
    SHIPPING_DELAY = "shipping_delay", _("Shipping delay")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    PRICE = "price", _("Price")
    PRODUCT_SERVICE_OTHER = "product_service_other", _("Other product / service")
    DISLIKE_OR_EXPECTATION = "dislike_or_expectation", _("Dislike / expectation")
    ORDERED_WRONG = "ordered_wrong", _("Ordered wrong")
    MISOPERATION = "misoperation", _("Misoperation")
    PRICE_REGRET = "price_regret", _("Price regret")
    MALICIOUS = "malicious", _("Malicious")
    BUYER_SIDE_OTHER = "buyer_side_other", _("Other buyer side")
    UNCLEAR = "unclear", _("Unclear")


# Each sub-cause belongs to exactly one cause; `unclear` when the words give no signal.
_GROUPS = {
    Cause.LOGISTICS: (
        SubCause.COURIER_SPEED,
        SubCause.COURIER_ATTITUDE,
        SubCause.LOST_OR_MISDELIVERED,
        SubCause.LOGISTICS_OTHER,
    ),
    Cause.PRODUCT_SERVICE: (
        SubCause.QUALITY,
        SubCause.DAMAGED,
        SubCause.NOT_AS_DESCRIBED,
        SubCause.WRONG_OR_MISSING_ITEM,
        SubCause.SHIPPING_DELAY,
        SubCause.CUSTOMER_SERVICE,
        SubCause.PRICE,
        SubCause.PRODUCT_SERVICE_OTHER,
    ),
    Cause.BUYER_SIDE: (
        SubCause.DISLIKE_OR_EXPECTATION,
        SubCause.ORDERED_WRONG,
        SubCause.MISOPERATION,
        SubCause.PRICE_REGRET,
        SubCause.MALICIOUS,
        SubCause.BUYER_SIDE_OTHER,
    ),
    Cause.UNCLEAR: (SubCause.UNCLEAR,),
}
# As plain strings: the classifier's hot loops and its stored models use them as dict keys.
SUBCAUSES_BY_CAUSE: dict[str, tuple[str, ...]] = {
    cause.value: tuple(sub.value for sub in subs) for cause, subs in _GROUPS.items()
}
# The causes a classifier decides between (unclear is what it says when none wins).
CAUSES = (Cause.LOGISTICS.value, Cause.PRODUCT_SERVICE.value, Cause.BUYER_SIDE.value)
CAUSE_OF: dict[str, str] = {
    sub: cause for cause, subs in SUBCAUSES_BY_CAUSE.items() for sub in subs
}


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
