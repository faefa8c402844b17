"""Models stored before keep an excerpt of each corrected review, and reviews classified by
them show another review's words as evidence: reviews migration 0012 removes both."""

import io

import numpy as np
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

from reviews.classifier import learned

BEFORE = [("reviews", "0011_event_kinds")]
AFTER = [("reviews", "0012_no_correction_text_in_models")]
CORRECTED = "箱子被快递压扁了，里面的盒子也变形了"


class CorrectionTextMigrationTestCase(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self):
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_it_removes_excerpts_from_models_and_evidence(self):
        apps = self.migrate(BEFORE)
        Shop = apps.get_model("reviews", "Shop")
        Review = apps.get_model("reviews", "Review")
        ClassifierModel = apps.get_model("reviews", "ClassifierModel")
        shop = Shop.objects.create(name="A", slug="a", platform="taobao", webhook_secret="s")
        old = learned.LinearModel(
            version="shop1-old",
            vocab={"快递": 0},
            weights=np.zeros((1, 4)),
            bias=np.zeros(4),
            memory=[
                (frozenset({"快递", "压扁"}), ("logistics", "logistics_other", "minor", CORRECTED))
            ],
        )
        ClassifierModel.objects.create(shop=shop, version=old.version, artifact=old.to_bytes())
        now = timezone.now()
        shown = Review.objects.create(
            shop=shop,
            external_key="k1",
            rating="negative",
            reviewed_at=now,
            text="箱子压扁了",
            model_version="shop1-old",
            evidence=[f"≈ {CORRECTED}"],
        )
        base = Review.objects.create(
            shop=shop,
            external_key="k2",
            rating="negative",
            reviewed_at=now,
            text="质量差",
            model_version="base-1",
            evidence=["质量"],
        )

        after = self.migrate(AFTER)
        # The models as they stood after 0012: later migrations add columns not there yet.
        Current = after.get_model("reviews", "ClassifierModel")
        CurrentReview = after.get_model("reviews", "Review")

        artifact = bytes(Current.objects.get(version="shop1-old").artifact)
        model = learned.LinearModel.from_bytes(artifact)
        self.assertEqual(
            model.memory, [(frozenset({"快递", "压扁"}), ("logistics", "logistics_other", "minor"))]
        )
        with np.load(io.BytesIO(artifact)) as z:
            self.assertNotIn(CORRECTED, str(z["memory_labels"].tolist()))
        self.assertEqual(CurrentReview.objects.get(pk=shown.pk).evidence, [])
        self.assertEqual(CurrentReview.objects.get(pk=base.pk).evidence, ["质量"])
