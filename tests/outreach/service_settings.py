"""Settings of the worker and dispatcher subprocesses the service tests start."""

import os

from config.test_settings import *  # noqa: F403

from .settings_shim import *  # noqa: F403

# A short visibility timeout makes Redis redeliver unacknowledged tasks within the test, so
# the tests also prove that a redelivered task fires nothing twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("OUTREACH_TEST_VISIBILITY_TIMEOUT", "3600"))
}
