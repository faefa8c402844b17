"""The outreach settings proposed for config/settings.py (see the issue 5 report).

Until they are there, the outreach tests (conftest.py) and the worker subprocesses they start
(DJANGO_SETTINGS_MODULE=tests.outreach.service_settings) take them from here.
"""

import os

OUTREACH_MESSAGE_BACKEND = os.environ.get(
    "OUTREACH_MESSAGE_BACKEND", "outreach.backends.outbox.OutboxBackend"
)
OUTREACH_SMS = {
    "URL": os.environ.get("OUTREACH_SMS_URL", ""),
    "API_KEY": os.environ.get("OUTREACH_SMS_API_KEY", ""),
    "TIMEOUT": 5,
    "RETRIES": 2,
    "BACKOFF": 0.5,
}
OUTREACH_DISPATCH = {
    "LOOKAHEAD_SECONDS": 10,
    "CLAIM_LEASE_SECONDS": int(os.environ.get("OUTREACH_CLAIM_LEASE_SECONDS", "60")),
    "BATCH_SIZE": 500,
}
