"""Run the outreach dispatcher in a loop (like healthchecks' `sendalerts`).

Beat's tick_task does the same every 5 s; this command is for a tighter loop or for
running the dispatcher without beat.
"""

import time

from django.core.management.base import BaseCommand

from outreach import services


class Command(BaseCommand):
    help = "Dispatch due outreach items in a loop."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        while True:
            try:
                services.outreach_tick()
            except Exception as exc:  # keep looping: the database is the truth
                self.stderr.write(f"tick failed: {exc!r}")
            if once:
                return
            time.sleep(interval)
