"""The stacked model's confidence: its balanced cause head decides, and a head fitted at the
data's own proportions vouches for the answer (the confidence is the lower of the two)."""

from django.test import SimpleTestCase

from reviews.classifier import stacked

# Nine product reviews for one buyer-side review: the balanced head lifts the rare cause.
ROWS = (
    [({"质": 1.0, "量": 1.0, "差": 1.0}, "product_service", "quality")] * 18
    + [({"不": 1.0, "喜": 1.0, "欢": 1.0}, "buyer_side", "dislike_or_expectation")] * 2
    + [({"不": 1.0, "喜": 1.0, "差": 1.0}, "product_service", "quality")] * 2
)


def train() -> stacked.StackedModel:
    return stacked.train(
        [r for r, _c, _s in ROWS],
        [c for _r, c, _s in ROWS],
        [s for _r, _c, s in ROWS],
        ["minor"] * len(ROWS),
        version="t",
    )


class StackedConfidenceTestCase(SimpleTestCase):
    def test_a_rare_cause_answer_is_vouched_for_at_the_datas_proportions(self):
        model = train()
        p, _sub, _sev, confidence = model.predict(({"不", "喜", "欢", "差"}, {}))
        self.assertEqual(max(p, key=p.get), "buyer_side")  # the balanced head decides
        self.assertLess(confidence["buyer_side"], p["buyer_side"])
        for cause in p:
            self.assertLessEqual(confidence[cause], p[cause])

    def test_a_clear_answer_keeps_its_confidence(self):
        p, _sub, _sev, confidence = train().predict(({"质", "量", "差"}, {}))
        self.assertEqual(max(p, key=p.get), "product_service")
        self.assertGreater(confidence["product_service"], 0.9)

    def test_a_model_stored_before_the_second_head_still_loads(self):
        model = train()
        width = 3 + len(stacked.SUBCAUSES) + 1
        old = stacked.StackedModel(
            "old", model.vocab, model.weights[:, :width], model.bias[:width], model.threshold
        )
        loaded = stacked.StackedModel.from_bytes(old.to_bytes())
        p, _sub, _sev, confidence = loaded.predict(({"不", "喜", "欢", "差"}, {}))
        self.assertEqual(confidence, p)
