import sys

from django.utils.translation import gettext_noop

from . import BaseBackend, ByHand


class ConsoleBackend(BaseBackend):
    """Development: prints each message, so a developer sees what would go out. A terminal is
    not a buyer: the message still waits to be sent by hand, as with the outbox."""

    def send(self, message) -> str:
        sys.stdout.write(f"[{message.channel} → {message.to}] {message.body}\n")
        sys.stdout.flush()
        raise ByHand(gettext_noop("printed on the console (development): no provider sent it"))
