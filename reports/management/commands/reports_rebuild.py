"""Rebuild the report roll-ups of every day of one shop or all shops.

Beat keeps them current by itself; this is for what the triggers cannot see: a shop's time
zone or platform changed (its days or reply window moved), or a restore from a backup.
"""

from django.core.management.base import BaseCommand, CommandError

from reports import rollups, spikes
from reviews.models import Shop


class Command(BaseCommand):
    help = "Rebuild the report roll-ups (all days) of a shop, or of every shop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shop", help="shop slug (default: every shop)")

    def handle(self, *args, shop: str | None, **options) -> None:
        shops = Shop.objects.all()
        if shop:
            shops = shops.filter(slug=shop)
            if not shops.exists():
                raise CommandError(f"No shop with slug {shop!r}.")
        for one in shops.order_by("slug"):
            days = rollups.rebuild_all(one)
            self.stdout.write(f"{one.slug}: {days} days rebuilt")
        self.stdout.write(f"spike alerts opened: {spikes.sweep()}")
