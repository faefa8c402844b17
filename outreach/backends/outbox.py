from django.utils.translation import gettext_noop

from . import BaseBackend, ByHand


class OutboxBackend(BaseBackend):
    """The default: no provider. The Message row is the outbox — listed on the review and in
    the agent's 「待手动发送」 list, where an agent sends it by hand on the platform's own tools
    and confirms it. Nothing leaves the machine, so nothing is ever marked sent here."""

    def send(self, message) -> str:
        raise ByHand(gettext_noop("no message provider is configured"))
