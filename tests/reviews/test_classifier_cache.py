import os
import tempfile
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase

import reviews.classifier as classifier
from reviews.classifier import learned


class BaseModelCacheTestCase(SimpleTestCase):
    """The base model is trained once per machine; later processes load its weights."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        patcher = mock.patch.dict(os.environ, {"REVIEWDESK_VAR_DIR": self.dir.name})
        patcher.start()
        self.addCleanup(patcher.stop)
        saved = classifier._base_model
        self.addCleanup(setattr, classifier, "_base_model", saved)
        classifier._base_model = None

    def test_it_trains_once_and_then_loads_the_cached_weights(self):
        trained = classifier.base_model()
        cached = Path(self.dir.name) / "cache" / f"{trained.version}.npz"
        self.assertTrue(cached.exists())
        texts = [
            "物流很快，但是质量太差",
            "快递太慢了，等了一周",
            "颜色和图片不一样，不喜欢",
            "还行吧",
        ]
        # Every bit of the answer, not a rounded confidence: the shipped stacked model is
        # trained on these answers and must come out the same in either kind of process.
        by_training = [(r.cause, r.subcause, r.confidence) for r in map(classifier.classify, texts)]

        classifier._base_model = None  # a new process
        with mock.patch.object(learned, "train", side_effect=AssertionError("trained again")):
            loaded = classifier.base_model()
        self.assertEqual(loaded.version, trained.version)
        by_loading = [(r.cause, r.subcause, r.confidence) for r in map(classifier.classify, texts)]
        self.assertEqual(by_training, by_loading)

    def test_an_unreadable_cache_file_means_training_again(self):
        version = classifier.base_model().version
        (Path(self.dir.name) / "cache" / f"{version}.npz").write_bytes(b"not a model")
        classifier._base_model = None
        self.assertEqual(classifier.base_model().version, version)
