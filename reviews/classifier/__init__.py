"""Cause classification (issue 4). The public interface the rest of the project uses.

Interim: until the jieba classifier lands, every review comes out `unclear` (the ingestion
issue allows exactly this placeholder). The signature below is the contract.
"""

from dataclasses import dataclass, field
from decimal import Decimal

MODEL_VERSION = "placeholder-0"


@dataclass(frozen=True)
class Classification:
    cause: str
    subcause: str
    severity: str
    confidence: float
    flags: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    model_version: str = MODEL_VERSION

    def as_json(self) -> dict:
        return {
            "cause": self.cause,
            "subcause": self.subcause,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "flags": list(self.flags),
            "evidence": list(self.evidence),
        }


def classify(
    text: str,
    *,
    amount: Decimal | None = None,
    high_value_threshold: Decimal | None = None,
    shop_id: int | None = None,
) -> Classification:
    flags = []
    if amount is not None and high_value_threshold is not None and amount >= high_value_threshold:
        flags.append("high_value")
    return Classification("unclear", "unclear", "minor", 0.0, flags)
