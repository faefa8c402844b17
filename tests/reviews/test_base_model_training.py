"""The shipped base model's rebuild (`train_base_model`) and its honest measure
(`classify_eval --cv`), through the commands. The rebuild from the real labelled data needs
/work/shared/data and skips without it; the rest trains on a folder written here from this
project's own test table."""

import io
import zipfile
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import skipUnless

import numpy as np
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from reviews.classifier import stacked

from .chinese_table import CHINESE_REVIEWS

SHARED = Path("/work/shared/data")
HAVE_SHARED = (SHARED / "cause_train.tsv").exists() and (SHARED / "cause_dev.tsv").exists()
SUB = {"product_service": "quality", "logistics": "courier_speed",
       "buyer_side": "dislike_or_expectation"}  # fmt: skip


def write_folder(root: Path) -> None:
    header = "row\tcategory\ttext\tcause\tsubcause\tseverity\n"
    lines = [
        f"{i}\t测试\t{text}\t{cause}\t{SUB[cause]}\t{'serious' if '投诉' in text or '假' in text else 'minor'}\n"
        for i, (text, cause) in enumerate(CHINESE_REVIEWS)
    ]
    (root / "cause_train.tsv").write_text(header + "".join(lines[::2]), encoding="utf-8")
    (root / "cause_dev.tsv").write_text(header + "".join(lines[1::2]), encoding="utf-8")


class TrainBaseModelTestCase(SimpleTestCase):
    def tearDown(self):
        stacked.set_base(None)  # the next test loads the shipped file again

    @skipUnless(HAVE_SHARED, "needs /work/shared/data (the labelled reviews): skipped")
    def test_it_rebuilds_the_shipped_model_byte_for_byte(self):
        with TemporaryDirectory() as tmp:
            out = Path(tmp) / "model.npz"
            call_command("train_base_model", data=SHARED, out=out, stdout=StringIO())
            self.assertEqual(out.read_bytes(), stacked.MODEL_FILE.read_bytes())

    def test_the_same_data_gives_the_same_bytes_and_no_text(self):
        with TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_folder(root)
            outs = [root / "a.npz", root / "b.npz"]
            for out in outs:
                call_command("train_base_model", data=root, out=out, stdout=StringIO())
            self.assertEqual(outs[0].read_bytes(), outs[1].read_bytes())
            with zipfile.ZipFile(io.BytesIO(outs[0].read_bytes())) as zf:
                self.assertEqual(
                    sorted(zf.namelist()), ["bias.npy", "meta.npy", "vocab.npy", "weights.npy"]
                )
            with np.load(outs[0], allow_pickle=False) as z:
                grams = [w for w in z["vocab"].tolist() if "_" not in w and w != "SEV"]
            self.assertTrue(grams)
            self.assertLessEqual(max(map(len, grams)), stacked.NGRAM)
            model = stacked.StackedModel.from_bytes(outs[0].read_bytes())
            self.assertTrue(0.0 < model.threshold <= 1.0)

    def test_it_refuses_a_folder_without_the_data(self):
        with TemporaryDirectory() as tmp, self.assertRaises(CommandError):
            call_command("train_base_model", data=Path(tmp), stdout=StringIO())


class CrossValidationTestCase(SimpleTestCase):
    def test_it_reports_every_measure_and_the_coverage_curve(self):
        with TemporaryDirectory() as tmp:
            root = Path(tmp)
            write_folder(root)
            out = StringIO()
            call_command("classify_eval", root, cv=True, stdout=out)
        text = out.getvalue()
        self.assertIn("stratified 5-fold cross-validation", text)
        self.assertIn(f"{len(CHINESE_REVIEWS)} rows", text)
        for measure in ("cause accuracy", "cause macro-F1", "logistics", "buyer_side",
                        "sub-cause accuracy", "severity accuracy", "classified automatically",
                        "coverage/accuracy by confidence threshold"):  # fmt: skip
            self.assertIn(measure, text)
        # Each fold is scored by a model of its own (never the shipped one)...
        self.assertIn("model cv-fold", text)
        # ...and the shipped model is back afterwards.
        self.assertEqual(stacked.base().version, stacked.StackedModel.from_bytes(
            stacked.MODEL_FILE.read_bytes()).version)  # fmt: skip
        curve = text.split("coverage/accuracy by confidence threshold")[1].splitlines()[2:]
        coverages = [float(line.split()[1]) for line in curve if line.strip()]
        self.assertEqual(coverages[0], 1.0)
        self.assertEqual(coverages, sorted(coverages, reverse=True))

    def test_it_refuses_a_folder_without_the_data(self):
        with TemporaryDirectory() as tmp, self.assertRaises(CommandError):
            call_command("classify_eval", Path(tmp), cv=True, stdout=StringIO())
