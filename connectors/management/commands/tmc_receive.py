"""python manage.py tmc_receive: TMC messages in, one JSON object a line, on standard input
(fed by the relay, Taobao's TmcClient; see connectors/tmc.py); each queues an early pull of
the shop it names, at once and deduplicated, and a line says what became of it."""

import json
import sys

from django.core.management.base import BaseCommand

from connectors.tmc import QUEUED, tmc_message_handle


class Command(BaseCommand):
    help = "Read TMC messages (JSON lines) from standard input; queue early pulls."
    stealth_options = ("stdin",)

    def handle(self, *args, **options) -> None:
        stream = options.get("stdin") or sys.stdin
        counts: dict[str, int] = {}
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            handled = tmc_message_handle(message)
            counts[handled.outcome] = counts.get(handled.outcome, 0) + 1
            ident = message.get("id", number) if isinstance(message, dict) else number
            out = self.stdout if handled.outcome == QUEUED else self.stderr
            out.write(f"{ident}: {handled.outcome} {handled.detail}".rstrip())
            out.flush()
        summary = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        self.stdout.write(f"done: {summary or 'no messages'}")
