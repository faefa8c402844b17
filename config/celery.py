import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("reviewdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs) -> None:
    # kombu's filesystem transport (the no-Redis default) needs its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def _keep_the_worker_when_restore_fails() -> None:
    """kombu 5.7's Redis transport, when the broker connection drops while the worker holds
    unacknowledged messages (an ETA follow-up waiting for its minute, a running import), tries
    to put them back over the connection it has just released; that raises AttributeError
    ('NoneType' object has no attribute 'hostname'), which Celery treats as unrecoverable: the
    worker exits and stays gone after Redis is back (tests/faults/test_followup_faults.py).
    Nothing depends on that restore — Redis itself redelivers unacknowledged messages after
    the visibility timeout, and PostgreSQL is the truth (claims expire, the sweeps re-enqueue)
    — so a failed restore is logged and the worker carries on reconnecting."""
    import logging

    from kombu.transport import redis

    original = redis.QoS.restore_unacked
    if getattr(original, "tolerant", False):
        return

    def restore_unacked(self, client=None):
        try:
            return original(self, client)
        except AttributeError:
            logging.getLogger(__name__).warning(
                "could not restore %s unacknowledged message(s) to the lost broker; Redis "
                "redelivers them after the visibility timeout",
                len(self._delivered),
                exc_info=True,
            )
            return None

    restore_unacked.tolerant = True
    redis.QoS.restore_unacked = restore_unacked


_keep_the_worker_when_restore_fails()
