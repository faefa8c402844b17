"""Shared by the ingestion tests: a stand-in classifier, so these tests check ingestion's side
of the contract (what is stored, when triage is needed) independently of the model's quality.
One test (test_ingest_import) runs the real `classify()` end to end."""

from unittest import mock

from reviews.classifier import Classification


def fake_classify(
    text: str, *, amount=None, high_value_threshold=None, shop_id=None
) -> Classification:
    flags = (
        ["high_value"]
        if amount is not None and high_value_threshold and amount >= high_value_threshold
        else []
    )
    if "快递" in text:
        return Classification("logistics", "courier_speed", "minor", 0.9, flags, ["快递"], "fake-1")
    return Classification(
        "product_service",
        "quality",
        "serious" if "投诉" in text else "minor",
        0.4,
        flags,
        [],
        "fake-1",
    )


class FakeClassifierMixin:
    def setUp(self):
        super().setUp()
        patcher = mock.patch("reviews.classifier.classify", side_effect=fake_classify)
        patcher.start()
        self.addCleanup(patcher.stop)
