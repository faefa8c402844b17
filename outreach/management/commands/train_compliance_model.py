"""Rebuild outreach/compliance_model.json, the learned second opinion of the compliance check.

    python manage.py train_compliance_model           # writes the model file
    python manage.py train_compliance_model --check   # fails if the shipped file differs

It learns from the project's own labelled messages: the lists and the table of
tests/outreach/ and held-out rounds 1–34 of bench/heldout/ (written by colleagues who had not
read the check). Rounds 35 and later are never read here: they measure the result (make bench).
The same inputs give the same file, byte for byte.
"""

import csv
import json
import math
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outreach import second_opinion
from outreach.wording import _normalise

ROOT = Path(settings.BASE_DIR)
TABLES = [
    ROOT / "tests" / "outreach" / "compliance_messages.tsv",
    ROOT / "bench" / "heldout" / "compliance.tsv",
    *(ROOT / "bench" / "heldout" / f"compliance_{k}.tsv" for k in range(2, 35)),
]
NGRAM_RANGE = (1, 3)
MIN_DF = 2
C = 32.0  # chosen with rounds 5 and 7 scored by a model trained without them


def labelled_messages() -> list[tuple[str, int]]:
    from tests.outreach.test_compliance_corpus import ORDINARY, TRADES

    rows = [(text, 1) for text in TRADES] + [(text, 0) for text in ORDINARY]
    for table in TABLES:
        with table.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["expected"] not in ("refuse", "pass"):
                    raise CommandError(f"{table.name}: unknown label {row['expected']!r}")
                rows.append((row["text"], 1 if row["expected"] == "refuse" else 0))
    return rows


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def build() -> tuple[str, list[tuple[str, int]], list[float]]:
    """The model file's text, the messages and scikit-learn's probabilities for them."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = labelled_messages()
    texts = [_normalise(text) for text, _ in rows]
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=NGRAM_RANGE, min_df=MIN_DF, sublinear_tf=True
    )
    features = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=C, max_iter=5000).fit(features, [label for _, label in rows])
    terms = sorted(vectorizer.vocabulary_.items())
    lines = [
        "{",
        f'"ngram_range": [{NGRAM_RANGE[0]}, {NGRAM_RANGE[1]}],',
        f'"intercept": {json.dumps(_round(model.intercept_[0]))},',
        '"messages": ' + json.dumps(len(rows)) + ",",
        '"terms": {',
    ]
    for i, (term, column) in enumerate(terms):
        idf, weight = _round(vectorizer.idf_[column]), _round(model.coef_[0][column])
        comma = "," if i < len(terms) - 1 else ""
        lines.append(f"{json.dumps(term, ensure_ascii=False)}: [{idf}, {weight}]{comma}")
    lines += ["}", "}", ""]
    return "\n".join(lines), rows, list(model.predict_proba(features)[:, 1])


class Command(BaseCommand):
    help = "Rebuild the compliance check's learned second opinion from the labelled messages."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="fail if the shipped model file differs"
        )

    def handle(self, *args, check: bool, **options):
        text, rows, expected = build()
        if check:
            shipped = second_opinion.MODEL.read_text(encoding="utf-8")
            if shipped != text:
                raise CommandError(
                    f"{second_opinion.MODEL.name} is not what the labelled messages give: "
                    "run `python manage.py train_compliance_model`."
                )
            self.stdout.write(f"{second_opinion.MODEL.name} matches its {len(rows)} messages.")
            return
        second_opinion.MODEL.write_text(text, encoding="utf-8")
        second_opinion._model.cache_clear()
        # The plain-Python reading must agree with scikit-learn's on every message.
        worst = max(
            abs(second_opinion.trade_probability(_normalise(message)) - p)
            for (message, _), p in zip(rows, expected, strict=True)
        )
        if worst > 1e-3 or math.isnan(worst):
            raise CommandError(f"plain-Python inference differs from scikit-learn by {worst}")
        self.stdout.write(
            f"Wrote {second_opinion.MODEL.name}: {len(rows)} messages, "
            f"largest difference from scikit-learn {worst:.1e}."
        )
