"""The lead's page of the shop's classifier models (issue 20): which one is live, the
retrained candidates kept back because they were worse on held-out data (and why), and the
buttons to make one live or roll back to an earlier model or the base model."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reviews import services
from reviews.models import ClassifierModel, Role, Shop

from .board import _board_shop

SHOWN = 20


@login_required
@require_GET
def classifier_models(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    models = list(ClassifierModel.objects.filter(shop=shop).order_by("-created_at", "-id")[:SHOWN])
    for m in models:
        m.kept_back_because = _reason(m.metrics)
    return render(
        request,
        "outreach/classifier_models.html",
        {
            "shop": shop,
            "shops": Shop.objects.for_user(request.user, Role.LEAD),
            "models": models,
            "base_is_live": not any(m.is_active for m in models),
        },
    )


def _reason(metrics: dict) -> str:
    """Why a candidate was kept back, in the reader's language, with the held-out figures."""
    parts = []
    for part in metrics.get("worse_on", []):
        label = _("the shop's new corrections") if part == "new" else _("the base examples")
        parts.append(
            _(
                "on %(data)s it is right %(candidate).1f%% of the time, the current model %(current).1f%%"
            )
            % {
                "data": label,
                "candidate": 100 * metrics[f"heldout_{part}_accuracy_candidate"],
                "current": 100 * metrics[f"heldout_{part}_accuracy_current"],
            }
        )
    return "; ".join(parts)


@login_required
@require_POST
def classifier_activate(request: HttpRequest) -> HttpResponse:
    shop = _board_shop(request)
    version = request.POST.get("version") or None
    if (
        version is not None
        and not ClassifierModel.objects.filter(shop=shop, version=version).exists()
    ):
        raise Http404
    services.classifier_activate(shop=shop, version=version, actor=request.user)
    messages.success(request, _("The shop now classifies with the chosen model."))
    return redirect(f"{reverse('classifier_models')}?shop={shop.slug}")
