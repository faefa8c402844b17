"""Training the shipped base model from labelled TSVs, and measuring it honestly.

`build(paths)` trains the model that ships (reviews/classifier/base_model.npz) with its
triage threshold picked on out-of-fold predictions. `cross_validate(paths)` is what
`classify_eval --cv` reports: stratified 5-fold, and in every fold the model *and* its
threshold come from the other four folds only (the threshold from an inner 4-fold split of
those), then the held-out fold goes through the public `classify_many`.
"""

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import normalize, segment, stacked

FOLDS = 5
SEED = 20  # fixed: the same data always gives the same folds and the same file
DATA_FILES = ("cause_train.tsv", "cause_dev.tsv")


@dataclass(frozen=True)
class Row:
    text: str
    cause: str
    subcause: str
    severity: str


def read_rows(paths: Sequence[Path]) -> list[Row]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                text, cause = (r.get("text") or "").strip(), (r.get("cause") or "").strip()
                if text and cause:
                    rows.append(
                        Row(
                            text,
                            cause,
                            (r.get("subcause") or "").strip(),
                            (r.get("severity") or "").strip(),
                        )
                    )
    return rows


def feature_rows(texts: Sequence[str]) -> list[dict[str, float]]:
    """Each text's stacked-model features (the blend runs with the shipped word model)."""
    from . import _blend, base_model

    model = base_model()
    out = []
    for text in texts:
        tokens = segment.cut(normalize.normalize(text))
        blend, rule, _final = _blend(tokens, model, normalize.exclamations(text))
        out.append(
            stacked.feature_values(
                "".join(tokens), rule, blend.cause, blend.subcause, blend.confidence
            )
        )
    return out


def _dicts(feats) -> list[dict[str, float]]:
    out = []
    for f in feats:
        out.append(stacked.as_dict(f))
    return out


def _fit(rows: list[Row], feats: list[dict], idx, version: str, threshold: float):
    return stacked.train(
        _dicts([feats[i] for i in idx]),
        [rows[i].cause for i in idx],
        [rows[i].subcause for i in idx],
        [rows[i].severity for i in idx],
        version=version,
        threshold=threshold,
    )


def _folds(labels: Sequence[str], n: int = FOLDS, seed: int = SEED):
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n, shuffle=True, random_state=seed).split(labels, labels))


def out_of_fold_threshold(rows: list[Row], feats: list[dict], idx) -> float:
    """The threshold calibrated on out-of-fold predictions within `idx` only."""
    idx = list(idx)
    confidences, correct = [], []
    for tr, te in _folds([rows[i].cause for i in idx], FOLDS - 1):
        model = _fit(rows, feats, [idx[k] for k in tr], "inner", stacked.DEFAULT_THRESHOLD)
        for k in te:
            p, _sub, _sev, confidence = model.predict(feats[idx[k]])
            cause = max(p, key=p.__getitem__)
            confidences.append(confidence[cause])
            correct.append(cause == rows[idx[k]].cause)
    return stacked.calibrate(confidences, correct)


def version_of(paths: Sequence[Path]) -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for p in [*paths, here / "stacked.py", here / "crossval.py", here / "rules.py"]:
        digest.update(p.read_bytes())
    return "stk-" + digest.hexdigest()[:10]


def build(paths: Sequence[Path]) -> stacked.StackedModel:
    rows = read_rows(paths)
    feats = feature_rows([r.text for r in rows])
    everything = range(len(rows))
    threshold = out_of_fold_threshold(rows, feats, everything)
    return _fit(rows, feats, list(everything), version_of(paths), threshold)


def cross_validate(paths: Sequence[Path]):
    """(rows, their held-out Classification in row order, each fold's threshold)."""
    from . import classify_many

    rows = read_rows(paths)
    feats = feature_rows([r.text for r in rows])
    results: list = [None] * len(rows)
    thresholds = []
    previous = stacked.base()
    try:
        for k, (tr, te) in enumerate(_folds([r.cause for r in rows])):
            threshold = out_of_fold_threshold(rows, feats, tr)
            thresholds.append(threshold)
            stacked.set_base(_fit(rows, feats, list(tr), f"cv-fold{k}", threshold))
            for i, res in zip(te, classify_many([rows[i].text for i in te]), strict=True):
                results[i] = res
    finally:
        stacked.set_base(previous)
    return rows, results, thresholds
