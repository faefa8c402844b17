"""Imports on the web: upload, a batch's live progress and error report, and the
shop's webhook settings. Leads and managers only; every object through a scope guard."""

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .access import get_import_batch_for_user, get_shop_for_user, shops_for
from .audit import client_ip
from .downloads import attachment
from .ingest.batches import UPLOADS_DIR, batch_create, batch_enqueue, inspect_file
from .ingest.readers import UnreadableFile
from .models import ImportBatch, ImportSource, Platform, Role, Shop
from .privacy import mask_phones
from .spreadsheets import neutralise

IMPORT_ROLES = (Role.LEAD, Role.MANAGER)
ERRORS_SHOWN = 100
RECENT_BATCHES = 20


def _limit_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


class UploadForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Shop"), empty_label=None)
    platform = forms.ChoiceField(
        label=gettext_lazy("Platform"),
        choices=[("", gettext_lazy("The shop's platform"))] + list(Platform.choices),
        required=False,
    )
    file = forms.FileField(label=gettext_lazy("Export file (CSV or XLSX)"))

    def __init__(self, *args, shops, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > _limit_bytes():
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; uploads are limited to %(limit)s MB. Split the export or import it from the command line."
                )
                % {
                    "size": round(file.size / 1024 / 1024, 1),
                    "limit": settings.IMPORT_MAX_UPLOAD_MB,
                }
            )
        if Path(file.name).suffix.lower() not in (".csv", ".xlsx", ".txt"):
            raise forms.ValidationError(_("Only CSV and XLSX files can be imported."))
        return file


def _store_upload(shop_slug: str, upload) -> str:
    """Save under MEDIA_ROOT/imports/<shop>/ and return the path relative to MEDIA_ROOT."""
    name = get_valid_filename(Path(upload.name).name)[-100:] or "upload"
    relative = Path(UPLOADS_DIR) / shop_slug / f"{uuid.uuid4().hex}-{name}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return str(relative)


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    shops = shops_for(request, *IMPORT_ROLES)
    form = UploadForm(shops=shops)
    status, refused = 200, ""
    if request.method == "POST":
        # Refuse an oversized upload from its declared length, before reading it.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > _limit_bytes() + 1024 * 1024:
            refused = _("The file is larger than the upload limit of %(limit)s MB.") % {
                "limit": settings.IMPORT_MAX_UPLOAD_MB
            }
            status = 413
        else:
            form = UploadForm(request.POST, request.FILES, shops=shops)
            if form.is_valid():
                response = _start_import(request, form)
                if response is not None:
                    return response
            status = 400
    batches = (
        ImportBatch.objects.filter(shop__in=shops)
        .select_related("shop")
        .order_by("-id")[:RECENT_BATCHES]
    )
    return render(
        request,
        "reviews/import_upload.html",
        {
            "form": form,
            "refused": refused,
            "batches": batches,
            "webhook_shops": Shop.objects.for_user(request.user, Role.MANAGER),
            "limit_mb": settings.IMPORT_MAX_UPLOAD_MB,
        },
        status=status,
    )


def _start_import(request: HttpRequest, form: UploadForm) -> HttpResponse | None:
    shop = form.cleaned_data["shop"]
    upload = form.cleaned_data["file"]
    relative = _store_upload(shop.slug, upload)
    path = Path(settings.MEDIA_ROOT) / relative
    try:
        sheet, _header = inspect_file(path)
        sheet.close()
    except UnreadableFile as exc:
        path.unlink(missing_ok=True)  # nothing changed: not even the stored file remains
        form.add_error("file", str(exc))
        return None
    with transaction.atomic():
        batch = batch_create(
            shop=shop,
            source=ImportSource.FILE,
            platform=form.cleaned_data["platform"],
            filename=upload.name,
            path=relative,
            user=request.user,
        )
        batch_enqueue(batch=batch)
    messages.success(request, _("The file was received; the import runs in the background."))
    return redirect("import_batch", pk=batch.pk)


@login_required
@require_GET
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_import_batch_for_user(request, pk, *IMPORT_ROLES)
    context = {"batch": batch, "errors": batch.errors.all()[:ERRORS_SHOWN]}
    template = "reviews/import_batch.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def import_batch_errors(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    batch = get_import_batch_for_user(request, pk, *IMPORT_ROLES)
    # The raw rows are buyers' data: the export is audited, their phone numbers masked.
    services.audit_record(
        actor=request.user,
        action="import_errors_exported",
        shop=batch.shop,
        target=f"import:{batch.pk}",
        ip=client_ip(request),
    )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so Excel opens the Chinese text as UTF-8
        yield writer.writerow([_("row"), _("column"), _("reason"), _("raw data")])
        for error in batch.errors.order_by("row", "id").iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    error.row,
                    neutralise(error.column),
                    neutralise(error.reason),
                    neutralise(mask_phones(error.raw)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(f"import-{batch.pk}-errors.csv")
    return response


@login_required
@require_GET
def shop_webhook(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.MANAGER)
    endpoint = request.build_absolute_uri(reverse("api_shop_reviews", args=[shop.slug]))
    return render(
        request,
        "reviews/import_webhook.html",
        {
            "shop": shop,
            "endpoint": endpoint,
            "openapi": request.build_absolute_uri(reverse("api_openapi")),
        },
    )


@login_required
@require_POST
def shop_webhook_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    shop = get_shop_for_user(request, slug, Role.MANAGER)
    services.shop_rotate_webhook_secret(shop=shop, actor=request.user)
    messages.success(request, _("A new webhook secret was generated; the old one no longer works."))
    return redirect("shop_webhook", slug=shop.slug)
