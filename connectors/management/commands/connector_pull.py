from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connectors.models import PlatformConnection
from connectors.services import connection_pull


class Command(BaseCommand):
    help = "Pull a shop's reviews from its platform now and print what the pull found."

    def add_arguments(self, parser) -> None:
        parser.add_argument("shop", help="the shop's slug")

    def handle(self, *args, shop: str, **options) -> None:
        connection = PlatformConnection.objects.filter(shop__slug=shop).first()
        if connection is None:
            raise CommandError(f"shop {shop!r} has no platform connection")
        run = connection_pull(connection_id=connection.id)
        if run is None:
            connection.refresh_from_db()
            why = "disabled" if not connection.enabled else connection.get_status_display()
            if connection.pulling_since:
                why = "another pull is running"
            elif connection.retry_after and connection.retry_after > timezone.now():
                why = f"backing off until {connection.retry_after:%Y-%m-%d %H:%M:%S}"
            raise CommandError(f"no pull for {shop}: {why}")
        self.stdout.write(
            f"{shop}: {run.outcome} · pages {run.pages} · new {run.created} · "
            f"updated {run.updated} · revised {run.revised} · unchanged {run.unchanged} · "
            f"errors {run.rejected} · replies found {run.replies}"
        )
        if run.message:
            self.stdout.write(run.message)
