"""What an import did with each record: the outcome words (the webhook returns one per item,
the batch counts each) and `ItemResult`, one record's outcome as the webhook reports it."""

from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, POSITIVE, REVISED, REJECTED, SKIPPED = (
    "created",
    "updated",
    "unchanged",
    "positive",
    "revised",
    "rejected",
    "skipped",
)
# Every outcome, in the order the webhook's counts list them (reviews/openapi.py documents them).
OUTCOMES = (CREATED, UPDATED, UNCHANGED, POSITIVE, REVISED, REJECTED, SKIPPED)
# Why a record was skipped (the webhook's machine-readable `reason`).
ERASED = "erased"


@dataclass
class ItemResult:
    index: int
    status: str
    key: str = ""
    review_id: int | None = None
    errors: list[dict] = field(default_factory=list)
    reason: str = ""  # skipped: why, for machines (ERASED)
    detail: str = ""  # skipped: why, in words

    def as_json(self) -> dict:
        out = {"index": self.index, "status": self.status}
        if self.key:
            out["key"] = self.key
        if self.review_id:
            out["review_id"] = self.review_id
        if self.errors:
            out["errors"] = self.errors
        if self.reason:
            out["reason"] = self.reason
            out["detail"] = self.detail
        return out
