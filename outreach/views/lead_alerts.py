"""The lead's alert settings: how the shop's leads are told of missed follow-ups (e-mail, a
chat robot), a test message, and what the latest alerts became."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reviews.models import Role, Shop
from reviews.services import audit_record

from .. import services
from ..alert_forms import LeadAlertSettingsForm
from ..models import LeadAlert, LeadAlertSettings
from ..services.lead_alerts import alert_settings, lead_emails
from .board import _board_shop


@login_required
@require_http_methods(["GET", "POST"])
def lead_alerts(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    conf = alert_settings(shop)
    form = LeadAlertSettingsForm(request.POST or None, instance=conf)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_names()
        if changes:
            data = form.cleaned_data
            with transaction.atomic():
                LeadAlertSettings.objects.update_or_create(
                    shop=shop,
                    defaults={
                        "email": data["email"],
                        "robot": data["robot"],
                        "robot_webhook": data["robot_webhook"],
                        "robot_secret": data["robot_secret"],
                    },
                )
                audit_record(
                    actor=request.user,
                    action="settings_changed",
                    shop=shop,
                    target=f"lead_alerts:{shop.pk}",
                    object=str(shop),
                    changes=changes,
                )
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect(f"{reverse('lead_alerts')}?shop={shop.slug}")
    return render(
        request,
        "outreach/lead_alerts.html",
        {
            "shop": shop,
            "shops": Shop.objects.for_user(request.user, Role.LEAD),
            "form": form,
            "conf": conf,
            "lead_emails": lead_emails(shop),
            "alerts": LeadAlert.objects.filter(shop=shop).order_by("-created_at", "-id")[:20],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def lead_alerts_test(request: HttpRequest) -> HttpResponse:
    """「发送测试消息」: a test alert on every configured channel; the list shows the outcome."""
    shop = _board_shop(request)
    if services.leadalert_test(shop=shop):
        messages.success(request, _("Test message queued; its outcome appears below."))
    else:
        messages.warning(request, _("No channel is configured: nothing was sent."))
    return redirect(f"{reverse('lead_alerts')}?shop={shop.slug}")
