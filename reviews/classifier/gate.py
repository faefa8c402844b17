"""Whether a shop's retrained model may go live: it must not be worse than the current one on
data neither was trained on.

Both recipes are re-run fold by fold (FOLDS folds over the shipped examples and the shop's
new corrections): the current recipe trains on the shipped examples and the corrections it
already had, the candidate's also on the new corrections, each without the fold; both then
classify the fold's held-out rows through the whole pipeline (rules, stacked base model,
corrections memory). The candidate goes live only if it is right at least as often on the
held-out new corrections and (within TOLERANCE) on the held-out shipped examples. Pure: no
ORM.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import learned

FOLDS = 3  # each fold trains both recipes (~1.5 s each): a retrain costs ~10 s
CORRECTION_WEIGHT = learned.CORRECTION_WEIGHT
# "Not worse" on the shipped examples allows this much: two fits of lbfgs on nearly the same
# data differ by a review or two in a thousand; the shop's own corrections allow nothing.
TOLERANCE = {"new": 0.0, "base": 0.005}


@dataclass(frozen=True)
class Verdict:
    live: bool
    reason: str
    metrics: dict


def compare(
    base: Sequence[learned.Example],
    old: Sequence[learned.Example],
    new: Sequence[learned.Example],
    *,
    tokenize: Callable[[str], list[str]],
    classify_with: Callable[[str, learned.LinearModel], str],
) -> Verdict:
    """`classify_with(text, model)` → the cause the pipeline gives with that word model."""
    cache: dict[str, list[str]] = {}

    def tokens(text: str) -> list[str]:
        if text not in cache:
            cache[text] = tokenize(text)
        return cache[text]

    right = {"current": {"new": 0, "base": 0}, "candidate": {"new": 0, "base": 0}}
    seen = {"new": 0, "base": 0}
    folds = min(FOLDS, len(new)) or 1
    for k in range(folds):
        base_train = [e for i, e in enumerate(base) if i % FOLDS != k]
        base_test = [e for i, e in enumerate(base) if i % FOLDS == k]
        new_train = [e for i, e in enumerate(new) if i % folds != k]
        new_test = [e for i, e in enumerate(new) if i % folds == k]
        models = {
            "current": _train(base_train, list(old), tokens),
            "candidate": _train(base_train, [*old, *new_train], tokens),
        }
        for part, rows in (("new", new_test), ("base", base_test)):
            seen[part] += len(rows)
            for name, model in models.items():
                right[name][part] += sum(classify_with(e.text, model) == e.cause for e in rows)
    acc = {
        name: {part: right[name][part] / seen[part] if seen[part] else 1.0 for part in seen}
        for name in right
    }
    metrics = {
        f"heldout_{part}_accuracy_{name}": round(acc[name][part], 4)
        for name in acc
        for part in seen
    }
    metrics["heldout_new_corrections"] = seen["new"]
    metrics["heldout_base_examples"] = seen["base"]
    worse_on = [
        p for p in ("new", "base") if acc["candidate"][p] < acc["current"][p] - TOLERANCE[p]
    ]
    metrics["worse_on"] = worse_on
    labels = {"new": "new corrections", "base": "shipped examples"}
    worse = [f"{labels[p]} {acc['candidate'][p]:.3f} < {acc['current'][p]:.3f}" for p in worse_on]
    if worse:
        return Verdict(
            False, "worse than the current model on held-out " + "; ".join(worse), metrics
        )
    return Verdict(True, "", metrics)


def _train(base, corrections, tokenize) -> learned.LinearModel:
    model = learned.train(
        [*base, *corrections],
        version="probe",
        tokenize=tokenize,
        weights=[1.0] * len(base) + [CORRECTION_WEIGHT] * len(corrections),
    )
    model.memory = [
        (learned.content_words(tokenize(c.text)), (c.cause, c.subcause, c.severity))
        for c in corrections
    ]
    return model
