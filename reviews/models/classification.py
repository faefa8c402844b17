"""Agents' corrections of a classification and the models trained from them."""

from django.conf import settings
from django.db import models

from ..taxonomy import Cause, Severity, SubCause
from .reviews import Review
from .shops import Shop


class Correction(models.Model):
    """An agent's correction of a classification: kept with who and when, feeds training."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="corrections")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="corrections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    cause = models.CharField(max_length=16, choices=Cause.choices)
    subcause = models.CharField(max_length=24, choices=SubCause.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    previous = models.JSONField(default=dict, blank=True)
    trained_into = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Retraining: the corrections of a shop not yet in a model.
            models.Index(fields=["shop", "trained_into"], name="correction_shop_trained"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.cause}/{self.subcause}"


class ClassifierModel(models.Model):
    """A trained model, stored in the database so every worker and web process loads it."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, blank=True, related_name="classifier_models"
    )
    version = models.CharField(max_length=40, unique=True)
    artifact = models.BinaryField()
    n_examples = models.PositiveIntegerField(default=0)
    n_corrections = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop"],
                condition=models.Q(is_active=True),
                name="one_active_model_per_shop",
            )
        ]

    def __str__(self) -> str:
        return self.version
