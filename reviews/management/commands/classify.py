"""`manage.py classify`: one review per line on stdin → one JSON object per line on stdout.

The interface quality is measured through: keep the keys stable.
"""

import json
import sys

from django.core.management.base import BaseCommand

from reviews.classifier import classify_many

BATCH = 500


class Command(BaseCommand):
    help = "Classify reviews read one per line from stdin; print one JSON object per line."
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser) -> None:
        parser.add_argument("--shop", type=int, default=None, help="use this shop's model (id)")

    def handle(self, *args, **options) -> None:
        stdin = options.get("stdin") or sys.stdin
        if stdin is sys.stdin:
            # Reviews are UTF-8 whatever the terminal's locale says; a stray byte must not
            # end a run of thousands of lines.
            sys.stdin.reconfigure(encoding="utf-8", errors="replace")
            sys.stdout.reconfigure(encoding="utf-8")
        batch: list[str] = []
        for line in stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= BATCH:
                self._emit(batch, options["shop"])
                batch = []
        if batch:
            self._emit(batch, options["shop"])

    def _emit(self, texts: list[str], shop_id: int | None) -> None:
        for result in classify_many(texts, shop_id=shop_id):
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
