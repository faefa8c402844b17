"""python manage.py import_reviews --shop SLUG PATH [--platform ...]: a file import from a shell.

Exits 0 when the file was processed (rejected rows included; they are listed) and 1 when it
could not be read at all (nothing is changed then).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reviews.ingest.batches import batch_create, batch_summary, import_batch_run, inspect_file
from reviews.ingest.readers import UnreadableFile
from reviews.models import ImportSource, ImportStatus, Platform, Shop

PLATFORMS = ["taobao", "tmall", "jd", "ebay", "kuaishou", "generic"]


class Command(BaseCommand):
    help = "Import a platform's review export (CSV or XLSX) into a shop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--shop", required=True, help="the shop's slug")
        parser.add_argument("--platform", choices=PLATFORMS, help="default: the shop's platform")

    def handle(self, *args, path: str, shop: str, platform: str | None, **options) -> None:
        try:
            target = Shop.objects.get(slug=shop)
        except Shop.DoesNotExist:
            raise CommandError(f"No shop with slug “{shop}”.") from None
        file = Path(path).resolve()
        # Unreadable files are refused before a batch exists: nothing is changed.
        try:
            sheet, _header = inspect_file(file)
        except UnreadableFile as exc:
            raise CommandError(f"{file.name}: {exc}") from None
        sheet.close()
        chosen = Platform.OTHER if platform == "generic" else (platform or target.platform)
        batch = batch_create(
            shop=target,
            source=ImportSource.COMMAND,
            platform=chosen,
            filename=file.name,
            path=str(file),
        )
        batch = import_batch_run(batch_id=batch.pk)
        self.stdout.write(batch_summary(batch))
        errors = list(batch.errors.all()[:50])
        for error in errors:
            line = _("row %(row)s") % {"row": error.row}
            self.stdout.write(f"  {line} · {error.column or '—'} · {error.reason}")
        if batch.reported > len(errors):
            self.stdout.write(
                f"  … and {batch.reported - len(errors)} more (see the batch's error report)"
            )
        if batch.status != ImportStatus.DONE:
            raise CommandError(batch.message)
