"""Settings of the worker and dispatcher subprocesses the service tests start."""

import os

from config.test_settings import *  # noqa: F403
from config.test_settings import OUTREACH_DISPATCH

# A short claim lease lets the reaper free a killed worker's claim within the test.
OUTREACH_DISPATCH = {
    **OUTREACH_DISPATCH,
    "CLAIM_LEASE_SECONDS": int(os.environ.get("OUTREACH_CLAIM_LEASE_SECONDS", "60")),
}

# A short visibility timeout makes Redis redeliver unacknowledged tasks within the test, so
# the tests also prove that a redelivered task fires nothing twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("OUTREACH_TEST_VISIBILITY_TIMEOUT", "3600"))
}
