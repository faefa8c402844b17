"""`manage.py classify_eval PATH`: measure the classifier on a labelled TSV.

Columns `text`, `cause`, `subcause`, `severity` (others ignored). A blank sub-cause or severity
skips that row for that measure only.

`manage.py classify_eval --cv DIR`: stratified 5-fold cross-validation of the shipped base
model over DIR's cause_train.tsv + cause_dev.tsv (each fold's model and triage threshold come
from the other folds only; see reviews/classifier/crossval.py), with the coverage/accuracy
curve of the triage threshold.
"""

import csv
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.classifier import classify_many, crossval, stacked

CAUSE_ORDER = ("logistics", "product_service", "buyer_side", "unclear")
CURVE = (0.0, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"text", "cause"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return [
            {k: (row.get(k) or "").strip() for k in ("text", "cause", "subcause", "severity")}
            for row in reader
            if (row.get("text") or "").strip() and (row.get("cause") or "").strip()
        ]


def cause_report(gold: list[str], pred: list[str]) -> dict:
    labels = [c for c in CAUSE_ORDER if c in set(gold) | set(pred)]
    pairs = Counter(zip(gold, pred, strict=True))
    per_class = {}
    for c in labels:
        tp = pairs[(c, c)]
        n_pred = sum(v for (_g, p), v in pairs.items() if p == c)
        n_gold = sum(v for (g, _p), v in pairs.items() if g == c)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}
    in_gold = [c for c in labels if per_class[c]["support"]]
    return {
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold),
        "macro_f1": sum(per_class[c]["f1"] for c in in_gold) / len(in_gold),
        "per_class": per_class,
        "labels": labels,
        "confusion": pairs,
    }


class Command(BaseCommand):
    help = "Evaluate the cause classifier on a TSV with text, cause, subcause, severity."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="a labelled TSV, or with --cv a folder")
        parser.add_argument(
            "--cv", action="store_true", help="cross-validate the base model on the folder"
        )
        parser.add_argument("--shop", type=int, default=None, help="use this shop's model (id)")
        parser.add_argument("--errors", action="store_true", help="also list misclassified rows")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        if options["cv"]:
            paths = [path / name for name in crossval.DATA_FILES]
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                raise CommandError(f"missing: {', '.join(missing)}")
            cv_rows, results, thresholds = crossval.cross_validate(paths)
            rows = [
                {"text": r.text, "cause": r.cause, "subcause": r.subcause, "severity": r.severity}
                for r in cv_rows
            ]
            self.stdout.write(
                f"stratified {crossval.FOLDS}-fold cross-validation (seed {crossval.SEED}); "
                f"fold thresholds {', '.join(f'{t:.3f}' for t in thresholds)}"
            )
        else:
            rows = read_rows(path)
            if not rows:
                raise CommandError(f"{path}: no labelled rows")
            results = classify_many([r["text"] for r in rows], shop_id=options["shop"])
        self._report(rows, results, options["errors"])

    def _report(self, rows, results, errors: bool) -> None:
        gold = [r["cause"] for r in rows]
        pred = [res.cause for res in results]
        report = cause_report(gold, pred)
        out = self.stdout.write
        versions = sorted({res.model_version for res in results})
        out(f"model {', '.join(versions[:6])}, {len(rows)} rows")
        out(f"cause accuracy     {report['accuracy']:.3f}")
        out(f"cause macro-F1     {report['macro_f1']:.3f}")
        out(f"{'class':18}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
        for c in report["labels"]:
            m = report["per_class"][c]
            out(f"{c:18}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}{m['support']:>9}")
        out("confusion (rows gold, columns predicted)")
        out(" " * 18 + "".join(f"{c[:10]:>12}" for c in report["labels"]))
        for g in report["labels"]:
            cells = "".join(f"{report['confusion'][(g, p)]:>12}" for p in report["labels"])
            out(f"{g:18}{cells}")
        sub = [
            (r["subcause"], res.subcause)
            for r, res in zip(rows, results, strict=True)
            if r["subcause"]
        ]
        sev = [
            (r["severity"], res.severity)
            for r, res in zip(rows, results, strict=True)
            if r["severity"]
        ]
        if sub:
            out(
                f"sub-cause accuracy {sum(g == p for g, p in sub) / len(sub):.3f} ({len(sub)} rows)"
            )
        if sev:
            out(
                f"severity accuracy  {sum(g == p for g, p in sev) / len(sev):.3f} ({len(sev)} rows)"
            )
        triage = sum(res.needs_triage for res in results)
        out(f"needs triage       {triage / len(results):.3f}")
        auto = [
            g == res.cause for g, res in zip(gold, results, strict=True) if not res.needs_triage
        ]
        if auto:
            out(
                f"classified automatically {len(auto) / len(results):.3f}, "
                f"right {sum(auto) / len(auto):.3f}"
            )
        out("coverage/accuracy by confidence threshold")
        out(f"{'threshold':>10}{'coverage':>10}{'accuracy':>10}")
        correct = [g == res.cause for g, res in zip(gold, results, strict=True)]
        confidences = [res.confidence for res in results]
        for t, cov, acc in stacked.coverage_curve(confidences, correct, CURVE):
            out(f"{t:>10.2f}{cov:>10.3f}{acc:>10.3f}")
        if errors:
            for r, res in zip(rows, results, strict=True):
                if r["cause"] != res.cause:
                    out(f"{r['cause']}→{res.cause}\t{r['text'][:80]}\t{res.evidence}")
