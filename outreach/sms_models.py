"""A shop's SMS provider account (Aliyun, Tencent Cloud), the provider templates its messages
go out as, and the buyers' SMS replies. Imported by outreach.models (near its size limit).

Chinese SMS providers deliver only templates the provider approved, with variables: each
message kind the playbook sends is registered with its template code, the template's text as
approved (${name} for Aliyun, {1} for Tencent) and, in order, the playbook placeholder each
variable takes (nick, order_id, link). A message whose text does not fit its kind's approved
template is not sent by the provider: it waits for a person (outreach.backends.sms).
"""

import hashlib
import re
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviews.crypto import EncryptedTextField
from reviews.models import Buyer, Review, Shop


class SmsProvider(models.TextChoices):
    ALIYUN = "aliyun", _("Aliyun SMS")
    TENCENT = "tencent", _("Tencent Cloud SMS")


# The message kinds (outreach.models.Kind) the playbook sends as text, and so the ones a
# provider template can be registered for; the agent's own message has free text.
TEMPLATE_KINDS = [
    ("revision_instructions", _("Revision instructions")),
    ("reminder_sms", _("Reminder")),
    ("invitation", _("Invitation")),
    ("persistence", _("Persistence attempt")),
    ("explanatory_followup", _("Ask for an explanatory follow-up review")),
]
# The playbook template each kind's text is written from (Playbook.templates).
PLAYBOOK_TEMPLATE = {
    "revision_instructions": "revision_instructions",
    "reminder_sms": "reminder",
    "invitation": "invitation",
    "persistence": "persistence",
    "explanatory_followup": "explanatory_followup",
}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SmsAccountQuerySet(models.QuerySet):
    def active_for(self, shop_id: int) -> "SmsAccount | None":
        return self.filter(shop_id=shop_id, active=True).first()

    def for_token(self, provider: str, token: str) -> "SmsAccount | None":
        """The account a callback URL names, by the digest of its token (the token itself is
        stored encrypted and cannot be looked up)."""
        return self.filter(provider=provider, callback_token_digest=token_digest(token)).first()


class SmsAccount(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sms_accounts")
    provider = models.CharField(_("provider"), max_length=10, choices=SmsProvider.choices)
    # A JSON object of the provider's credential fields (outreach.sms.<provider>
    # .CREDENTIAL_FIELDS), encrypted at rest; never shown back in full.
    credentials = EncryptedTextField(_("credentials"), blank=True)
    sign_name = models.CharField(
        _("SMS signature (签名)"),
        max_length=50,
        help_text=_("The signature name the provider approved for this shop, e.g. 好店旗舰店."),
    )
    endpoint = models.URLField(
        _("API endpoint"),
        blank=True,
        help_text=_("Blank: the provider's own (dysmsapi.aliyuncs.com, sms.tencentcloudapi.com)."),
    )
    active = models.BooleanField(_("active"), default=True)
    # The callback URL's secret (Aliyun's push carries no signature): encrypted, and its
    # digest for the lookup.
    callback_token = EncryptedTextField(blank=True)
    callback_token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    # Where a provider that has replies pulled (Tencent's PullSmsReplyStatus) got to.
    replies_pulled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SmsAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS account")
        verbose_name_plural = _("SMS accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["shop"], condition=Q(active=True), name="smsaccount_one_active_per_shop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.get_provider_display()}"

    def new_callback_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.callback_token = token
        self.callback_token_digest = token_digest(token)
        return token


class SmsTemplate(models.Model):
    account = models.ForeignKey(SmsAccount, on_delete=models.CASCADE, related_name="templates")
    kind = models.CharField(_("message"), max_length=24, choices=TEMPLATE_KINDS)
    code = models.CharField(
        _("template code"), max_length=40, help_text=_("SMS_123456789 (Aliyun), 1234567 (Tencent)")
    )
    text = models.TextField(
        _("template text as approved"),
        help_text=_("Copied from the provider's console: ${name} (Aliyun) or {1} (Tencent)."),
    )
    variables = models.JSONField(
        _("variables"),
        default=list,
        blank=True,
        help_text=_(
            'In order, what fills each variable of the text: "nick", "order_id" or "link", '
            'e.g. ["nick", "link"].'
        ),
    )
    approved = models.BooleanField(_("approved by the provider"), default=False)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="smstemplate_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.code}"


# ${name} (Aliyun) or {1} (Tencent): a variable in a provider template's text.
TEMPLATE_VARIABLE = re.compile(r"\$\{(\w+)\}|\{(\d+)\}")


class InboundSms(models.Model):
    """A buyer's SMS answer, as the provider reported it, matched to the buyer by the number
    and to the latest SMS sent to that number."""

    account = models.ForeignKey(SmsAccount, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Buyer, on_delete=models.SET_NULL, null=True, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.ForeignKey(
        "outreach.Message", on_delete=models.SET_NULL, null=True, related_name="replies"
    )
    phone = models.CharField(max_length=32)
    text = models.TextField()
    provider_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    opt_out = models.BooleanField(default=False)
    # An agent opened the review since: the reply no longer asks for attention.
    seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The provider pushes again when unsure we got it: once per provider id.
            models.UniqueConstraint(
                fields=["account", "provider_id"],
                condition=~Q(provider_id=""),
                name="inboundsms_once",
            )
        ]
        indexes = [
            # Attention: WHERE shop … AND seen_at IS NULL AND review_id IS NOT NULL.
            models.Index(
                fields=["shop", "received_at"],
                condition=Q(seen_at__isnull=True, opt_out=False),
                name="inboundsms_unseen",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.received_at:%Y-%m-%d %H:%M}"
