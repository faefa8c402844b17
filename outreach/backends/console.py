import sys

from . import BaseBackend


class ConsoleBackend(BaseBackend):
    """Prints each message (development)."""

    def send(self, message) -> str:
        sys.stdout.write(f"[{message.channel} → {message.to}] {message.body}\n")
        sys.stdout.flush()
        return f"console-{message.id}"
