"""Masked calling (号码隐私保护): a shop's provider account, each agent's own phone (the A
side), every call set up through the provider and every call record it pushes back."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outreach.models import ContactAttempt, PlannedContact
from reviews.crypto import EncryptedTextField
from reviews.models import Buyer, Review, Shop
from reviews.privacy import mask_phones


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CallMode(models.TextChoices):
    # The agent dials a privacy number X that rings the buyer (BindAxb).
    AXB = "axb", _("AXB: the agent dials a privacy number")
    # The provider rings the agent, then the buyer (ClickToDial).
    CLICK = "click", _("Click-to-call: the agent's phone rings")


class CallAccountQuerySet(models.QuerySet):
    def enabled(self) -> "CallAccountQuerySet":
        return self.filter(enabled=True)


class CallAccount(models.Model):
    """A shop's masked-calling account. No row, or not enabled: the manual path (the logged
    reveal and a tel: link) stays."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="call_account")
    enabled = models.BooleanField(_("masked calling on"), default=False)
    mode = models.CharField(_("mode"), max_length=5, choices=CallMode.choices, default=CallMode.AXB)
    access_key_id = EncryptedTextField(_("AccessKey ID"), blank=True)
    access_key_secret = EncryptedTextField(_("AccessKey secret"), blank=True)
    pool_key = models.CharField(_("number pool key"), max_length=64, blank=True)
    # The pool's X numbers, one a line: AXB binds one of them (blank: the provider picks);
    # click-to-call shows the first to both sides.
    numbers = models.TextField(_("privacy numbers (X), one a line"), blank=True)
    # A binding lives this long after it is set up: the call window plus a margin.
    expiry_minutes = models.PositiveSmallIntegerField(_("binding lasts (minutes)"), default=30)
    recording = models.BooleanField(_("record calls"), default=True)
    # In the path of the URL the provider pushes call records to (compare_digest).
    callback_token = models.CharField(max_length=64, default=new_token, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("masked-calling account")
        verbose_name_plural = _("masked-calling accounts")

    def __str__(self) -> str:
        return str(self.shop)

    @property
    def x_numbers(self) -> list[str]:
        return [n.strip() for n in self.numbers.splitlines() if n.strip()]

    @property
    def binding_lifetime(self) -> timedelta:
        return timedelta(minutes=max(self.expiry_minutes, 2))


class AgentPhone(models.Model):
    """The agent's own phone: the A side of her masked calls. Encrypted at rest, shown masked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_phone"
    )
    phone = EncryptedTextField(_("agent's own phone"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agent's phone")
        verbose_name_plural = _("agents' phones")

    def __str__(self) -> str:
        return f"{self.user} {mask_phones(self.phone)}"


class MaskedCall(models.Model):
    """One call set up through the provider: an AXB binding (subs_id, the X number to dial and
    until when) or a click-to-call (the provider's call id). Its call records come back to it."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="masked_calls")
    buyer = models.ForeignKey(Buyer, on_delete=models.CASCADE, related_name="masked_calls")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    planned_contact = models.ForeignKey(
        PlannedContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(max_length=5, choices=CallMode.choices)
    subs_id = models.CharField(max_length=64, blank=True)
    secret_no = models.CharField(max_length=32, blank=True)
    extension = models.CharField(max_length=16, blank=True)
    provider_call_id = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    # Set when the binding was released (after the call, or on expiry); click-to-call has
    # none to release and is set at once.
    unbound_at = models.DateTimeField(null=True, blank=True)
    unbind_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("masked call")
        verbose_name_plural = _("masked calls")
        indexes = [
            # Records arrive naming the binding: WHERE shop=… AND subs_id=….
            models.Index(fields=["shop", "subs_id"], name="maskedcall_subs"),
            # …or, for click-to-call, the provider's call id.
            models.Index(fields=["shop", "provider_call_id"], name="maskedcall_callid"),
            # The expiry sweep: bindings still held past their time.
            models.Index(
                fields=["expires_at"], condition=Q(unbound_at__isnull=True), name="maskedcall_held"
            ),
            # Caps: the buyer's calls set up today.
            models.Index(fields=["buyer", "created_at"], name="maskedcall_buyer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.created_at:%Y-%m-%d %H:%M}"


class CallRecord(models.Model):
    """One call as the provider reported it (SecretStartReport, then SecretReport), once per
    call_id. A release report without talk time becomes a "no answer" attempt at once; an
    answered one waits for the agent's outcome (attempt stays empty until then)."""

    call_id = models.CharField(max_length=100, unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    masked_call = models.ForeignKey(MaskedCall, on_delete=models.CASCADE, related_name="records")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="call_records")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    call_time = models.DateTimeField(null=True, blank=True)
    start_time = models.DateTimeField(null=True, blank=True)
    release_time = models.DateTimeField(null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The provider's codes: who hung up (release_dir), why (release_cause), why not
    # connected (unconnected_cause: 0 connected normally, 1 blacklist, 2 no binding, …).
    release_dir = models.SmallIntegerField(null=True, blank=True)
    release_cause = models.IntegerField(null=True, blank=True)
    unconnected_cause = models.SmallIntegerField(null=True, blank=True)
    record_url = models.URLField(max_length=1000, blank=True)
    started_reported_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    attempt = models.OneToOneField(
        ContactAttempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        indexes = [
            # Reports: a shop's finished calls by time.
            models.Index(fields=["shop", "release_time"], name="callrecord_shop_time"),
            # The review page's prompt: answered calls of a review with no outcome yet.
            models.Index(
                fields=["review"], condition=Q(attempt__isnull=True), name="callrecord_unlogged"
            ),
        ]

    def __str__(self) -> str:
        return self.call_id

    @property
    def answered(self) -> bool:
        return bool(self.talk_seconds) and not self.unconnected_cause
