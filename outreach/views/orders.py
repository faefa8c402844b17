"""An order's page and its care call (seed 004 四②): the agent sees the order, calls the
buyer on the evening of the delivery day and logs how it went."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reviews.access import get_order_for_user
from reviews.audit import client_ip
from reviews.models import Review, Role
from reviews.services import order_reveal_phone

from .. import services
from ..models import CareCall, CareCallOutcome
from ..review_page import calls_masked

ORDER_ROLES = (Role.AGENT, Role.LEAD)


class CareCallForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=CareCallOutcome.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


def _context(order, form=None) -> dict:
    care_call = CareCall.objects.filter(order=order).select_related("logged_by").first()
    return {
        "order": order,
        "care_call": care_call,
        "missed": care_call is not None and care_call.is_missed(timezone.now()),
        "reviews": Review.objects.filter(shop=order.shop, order_id=order.order_id).order_by(
            "-reviewed_at"
        )[:10],
        "form": form or CareCallForm(),
        "calls_masked": calls_masked(order.shop),
    }


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order_for_user(request, pk, *ORDER_ROLES)
    return render(request, "outreach/order_detail.html", _context(order))


@login_required
@require_POST
def order_care_call_log(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_order_for_user(request, pk, *ORDER_ROLES)
    form = CareCallForm(request.POST)
    care_call = CareCall.objects.filter(order=order).first()
    if care_call is None:
        messages.error(request, _("This order has no care call."))
        return redirect("order_detail", pk=order.pk)
    if not form.is_valid():
        return render(request, "outreach/order_detail.html", _context(order, form), status=400)
    logged = services.carecall_log(
        care_call=care_call,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
        user=request.user,
    )
    if logged:
        messages.success(request, _("The care call was logged."))
    else:
        messages.error(request, _("Someone already logged this care call."))
    return redirect("order_detail", pk=order.pk)


@login_required
@require_POST
def order_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """The full number, to make the call; logged (reviews.services.order_reveal_phone)."""
    order = get_order_for_user(request, pk, *ORDER_ROLES)
    template = "outreach/order_detail.html"
    if request.htmx:
        template += "#buyer-phone"
    context = _context(order)
    if context["calls_masked"]:
        # Masked calling: the shop's numbers stay hidden, here as on the review page.
        return render(request, template, context, status=403)
    phone = order_reveal_phone(order=order, user=request.user, ip=client_ip(request))
    return render(request, template, context | {"revealed_phone": phone})
