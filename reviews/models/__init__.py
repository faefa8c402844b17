"""The records of the `reviews` app, a module per domain:

- shops: shops, the people in them and their roles;
- buyers: buyers as a shop knows them, and the tombstones of erased ones;
- reviews: the reviews themselves, their status and classification (the taxonomy's codes
  live in reviews.taxonomy);
- events: each review's timeline (written by reviews.timeline);
- classification: agents' corrections and the models trained from them;
- audit: the append-only audit log and the workers' heartbeats;
- orders: orders and their deliveries, from an order export (the care call's trigger);
- imports: import batches, their rejected rows, positive reviews counted, the webhook's
  recent nonces.

Everything is importable from `reviews.models`, as Django and the migrations expect.
"""

from ..taxonomy import SUBCAUSES_BY_CAUSE, Cause, Severity, SubCause
from .audit import AppendOnlyError, AuditLog, Heartbeat
from .buyers import Buyer, ErasedBuyer
from .classification import ClassifierModel, Correction
from .events import EventKind, ReviewEvent
from .imports import (
    ImportBatch,
    ImportRowError,
    ImportSource,
    ImportStatus,
    PositiveReview,
    WebhookNonce,
)
from .load import OpenLoad
from .orders import Order
from .reviews import (
    CLASSIFICATION_FIELDS,
    FINISHED_STATUSES,
    NOTHING_DUE,
    OPEN_STATUSES,
    QUEUE_AMOUNT,
    QUEUE_SEVERITY_RANK,
    CloseReason,
    KeyKind,
    Rating,
    Review,
    Source,
    Status,
)
from .shops import (
    Membership,
    Platform,
    Role,
    Shop,
    known_timezones,
    new_webhook_secret,
    validate_timezone,
)

__all__ = [
    "CLASSIFICATION_FIELDS",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "SUBCAUSES_BY_CAUSE",
    "AppendOnlyError",
    "AuditLog",
    "Buyer",
    "Cause",
    "ClassifierModel",
    "CloseReason",
    "Correction",
    "ErasedBuyer",
    "EventKind",
    "Heartbeat",
    "ImportBatch",
    "ImportRowError",
    "ImportSource",
    "ImportStatus",
    "KeyKind",
    "Membership",
    "NOTHING_DUE",
    "OpenLoad",
    "QUEUE_AMOUNT",
    "QUEUE_SEVERITY_RANK",
    "Order",
    "Platform",
    "PositiveReview",
    "Rating",
    "Review",
    "ReviewEvent",
    "Role",
    "Severity",
    "Shop",
    "Source",
    "Status",
    "SubCause",
    "WebhookNonce",
    "known_timezones",
    "new_webhook_secret",
    "validate_timezone",
]
