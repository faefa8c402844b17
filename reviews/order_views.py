"""The order import page: an order/logistics export in, what happened to each row out.

Order exports are a day's or a week's orders, small beside review exports, so the page
imports them while the lead waits (up to PAGE_MAX_ROWS; bigger files go through the
import_orders command) and shows every rejected row at once."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .access import shops_for
from .import_views import IMPORT_ROLES, UploadForm
from .ingest.orders import ORDER_ALIASES, orders_import
from .privacy import mask_phones

PAGE_MAX_ROWS = 20_000
ERRORS_SHOWN = 200


class OrderUploadForm(UploadForm):
    """The review upload's form (size and type checks) without the platform choice: an order
    export's columns are recognised by name whatever the platform."""

    file = forms.FileField(label=gettext_lazy("Order export (CSV or XLSX)"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["platform"]


@login_required
@require_http_methods(["GET", "POST"])
def order_import(request: HttpRequest) -> HttpResponse:
    shops = shops_for(request, *IMPORT_ROLES)
    form = OrderUploadForm(shops=shops)
    result, status = None, 200
    if request.method == "POST":
        form = OrderUploadForm(request.POST, request.FILES, shops=shops)
        if form.is_valid():
            result = _run(form)
            if result.problem:
                form.add_error("file", result.problem)
                status = 400
        else:
            status = 400
    errors = []
    if result is not None:
        errors = [
            (error.number, error.column, mask_phones(error.reason))
            for error in result.errors[:ERRORS_SHOWN]
        ]
    return render(
        request,
        "reviews/order_import.html",
        {
            "form": form,
            "result": result,
            "errors": errors,
            "more_errors": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
            "columns": [(name, ", ".join(names)) for name, names in ORDER_ALIASES.items()],
            "limit_mb": settings.IMPORT_MAX_UPLOAD_MB,
        },
        status=status,
    )


def _run(form: OrderUploadForm):
    upload = form.cleaned_data["file"]
    # A temporary copy: readers need a path, and nothing of the file is kept afterwards.
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
        fh.flush()
        result = orders_import(shop=form.cleaned_data["shop"], path=fh.name, max_rows=PAGE_MAX_ROWS)
    stored = result.created or result.updated or result.unchanged
    if not (result.problem or stored or result.errors or result.skipped_erased):
        result.problem = _("The file has no orders.")
    return result
