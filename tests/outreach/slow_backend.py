"""A backend for the service tests: logs each send to a file, slowly, so a test can kill the
worker in the middle of it."""

import os
import time

from outreach.backends import BaseBackend


class SlowLoggingBackend(BaseBackend):
    def send(self, message) -> str:
        path = os.environ["OUTREACH_TEST_SEND_LOG"]
        with open(path, "a") as log:
            log.write(f"start {message.id} {os.getpid()}\n")
        time.sleep(float(os.environ.get("OUTREACH_TEST_SEND_SECONDS", "0")))
        with open(path, "a") as log:
            log.write(f"sent {message.id}\n")
        return f"slow-{message.id}"
