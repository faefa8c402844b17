"""python manage.py import_orders --shop SLUG PATH: an order/logistics export from a shell.

Exits 0 when the file was read (rejected rows included; they are listed) and 1 when it could
not be read at all or its columns are missing (nothing is changed then).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.ingest.orders import orders_import
from reviews.models import Shop
from reviews.privacy import mask_phones


class Command(BaseCommand):
    help = "Import an order/logistics export (CSV or XLSX) into a shop; plans care calls."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--shop", required=True, help="the shop's slug")

    def handle(self, *args, path: str, shop: str, **options) -> None:
        try:
            target = Shop.objects.get(slug=shop)
        except Shop.DoesNotExist:
            raise CommandError(f"No shop with slug “{shop}”.") from None
        file = Path(path).resolve()
        result = orders_import(shop=target, path=file)
        self.stdout.write(
            f"{file.name}: {result.created} new, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected, "
            f"{result.care_calls} care calls planned, {result.skipped_erased} erased skipped"
        )
        for error in result.errors[:50]:
            self.stdout.write(
                f"  row {error.number} · {error.column or '—'} · {mask_phones(error.reason)}"
            )
        if len(result.errors) > 50:
            self.stdout.write(f"  … and {len(result.errors) - 50} more")
        if result.problem:
            raise CommandError(f"{file.name}: {result.problem}")
