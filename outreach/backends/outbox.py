from . import BaseBackend


class OutboxBackend(BaseBackend):
    """The default: the Message row is the outbox — listed in the admin and on the review,
    where an agent sends it by hand on the platform's own tools.  Nothing leaves the machine."""

    def send(self, message) -> str:
        return f"outbox-{message.id}"
