"""Cause classification (issue 4). The public interface the rest of the project uses.

`classify(text)` → `Classification` (cause, sub-cause, severity, confidence, flags, evidence,
model version). One pass per review: normalise (normalize.py) → segment once with the
project's tokenizer (segment.py) → the same tokens feed the rules (rules.py: clauses,
contrast, negation, the lexicon) and the learned linear model (learned.py) → the two are
blended here. Rules that fire clearly dominate; where they are silent or split, the model
decides. A shop with its own retrained model (from agents' corrections) gets it, plus a
memory of the corrected reviews' words (never their text), so the next near-identical review
comes out as the agent said.
"""

import dataclasses
import hashlib
import math
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..taxonomy import CAUSE_OF, CAUSES, SUBCAUSES_BY_CAUSE
from . import english, learned, normalize, rules, segment, stacked
from .lexicon import DEFAULT_SUBCAUSE

# Below this a classification goes to the "needs triage" lane instead of being trusted.
TRIAGE_THRESHOLD = 0.55
TRAINING_TSV = Path(__file__).with_name("training.tsv")
MODEL_VERSION = "placeholder-0"  # replaced by the base model's version on first use

# Blend: log P_model(cause) + RULE_WEIGHT × rule score + prior. The prior: when product and
# delivery weigh the same, it is the product (and most negative reviews are about the
# product), so product_service starts a little ahead.
MODEL_WEIGHT = 0.7
# "Rules decide when they fire confidently; the model otherwise": once one cause's rule score
# reaches this, the model only breaks ties (its weight drops to CONFIDENT_MODEL_WEIGHT). The
# shipped training set is a few hundred examples: the model is sure of itself far too often.
CONFIDENT_RULE = 2.0
CONFIDENT_MODEL_WEIGHT = 0.3
RULE_WEIGHT = 1.0
SUB_RULE_WEIGHT = 1.2
CAUSE_PRIOR = {"logistics": 0.0, "product_service": 0.4, "buyer_side": 0.0}
# A product and a delivery criticised with equal weight count as the product: when the rules
# see both, the product gets this much more.
BOTH_BLAMED_BONUS = 0.8
BOTH_BLAMED_RATIO = 0.75  # "equal weight": the product's rule score within 25% of delivery's
# Severity: logit P_model(serious) + SEVERITY_RULE_WEIGHT × (rule severity − SEVERITY_PIVOT).
SEVERITY_RULE_WEIGHT = 0.8
SEVERITY_PIVOT = 1.0
# Corrections memory: a review this similar to a corrected one gets the agent's labels.
MEMORY_SIMILARITY = 0.6
MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Classification:
    cause: str
    subcause: str
    severity: str
    confidence: float
    flags: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    model_version: str = MODEL_VERSION
    # The other party a review also blames (物流太慢…屏幕也差): recorded, never the playbook's.
    second_cause: str = ""
    # Below this confidence the review goes to triage (the base model's calibrated threshold).
    triage_below: float = TRIAGE_THRESHOLD

    @property
    def needs_triage(self) -> bool:
        return self.confidence < self.triage_below

    def as_json(self) -> dict:
        return {
            "cause": self.cause,
            "subcause": self.subcause,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "flags": list(self.flags),
            "evidence": list(self.evidence),
        }


# The built-in base model.

_base_lock = threading.Lock()
_base_model: learned.LinearModel | None = None


def load_training(path: Path = TRAINING_TSV) -> list[learned.Example]:
    examples = []
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        idx = [header.index(c) for c in ("text", "cause", "subcause", "severity")]
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= len(header) and parts[idx[0]].strip():
                examples.append(learned.Example(*(parts[i].strip() for i in idx)))
    return examples


def tokens_of(text: str) -> list[str]:
    return segment.cut(normalize.normalize(text))


def _cache_dir() -> Path:
    return (
        Path(os.environ.get("REVIEWDESK_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
        / "cache"
    )


def base_model() -> learned.LinearModel:
    """Trained from the shipped TSV at first use (deterministic, ~2 s), once per machine.

    The trained weights are cached on disk under the model's version (a hash of the data and
    of the code that turns text into features), so later processes load a small .npz instead
    of importing scikit-learn: that import alone costs ~90 MB of memory in every worker and
    every import process.
    """
    global _base_model
    if _base_model is None:
        with _base_lock:
            if _base_model is None:
                here = Path(__file__).resolve().parent
                data = b"".join(
                    p.read_bytes()
                    for p in (
                        TRAINING_TSV,
                        segment.USERDICT,
                        Path(learned.__file__),
                        here / "lexicon.py",  # its phrases are tokens
                        here / "segment.py",
                        here / "normalize.py",
                        Path(__file__),  # tokens_of
                    )
                )
                version = "base-" + hashlib.sha1(data).hexdigest()[:10]
                _base_model = _cached(version) or _train_and_cache(version)
    return _base_model


def _cached(version: str) -> learned.LinearModel | None:
    try:
        return learned.LinearModel.from_bytes((_cache_dir() / f"{version}.npz").read_bytes())
    except (OSError, ValueError, KeyError):
        return None  # not there yet, or unreadable: train again


def _train_and_cache(version: str) -> learned.LinearModel:
    trained = learned.train(load_training(), version=version, tokenize=tokens_of)
    # The weights as the cache keeps them (float32): a process that trained the model and one
    # that loaded it classify alike, to the last bit — the stacked base model is trained on
    # this model's answers, byte for byte (train_base_model).
    model = learned.LinearModel.from_bytes(trained.to_bytes())
    try:
        cache = _cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{version}.{os.getpid()}.tmp"
        tmp.write_bytes(model.to_bytes())
        os.replace(tmp, cache / f"{version}.npz")  # atomic: processes may race here
    except OSError:
        pass  # a read-only disk only costs the next process the training time
    return model


def model_for_shop(shop_id: int | None) -> learned.LinearModel:
    if shop_id is None:
        return base_model()
    from .store import shop_model  # the only part that touches the database

    return shop_model(shop_id) or base_model()


# Classification.


def classify_tokens(
    tokens: list[str], model: learned.LinearModel, *, exclamations: int = 0
) -> Classification:
    """The pure core: one review's tokens → its classification (no I/O).

    The rules and the word model are blended first (`_blend`); the shipped stacked model then
    decides from the review's characters and what the blend and the rules said. A correction
    remembered, or a review too vague to tell, keeps the blend's answer."""
    blend, rule, final = _blend(tokens, model, exclamations)
    top = stacked.base()
    if final or top is None:
        return blend
    values = stacked.feature_values(
        "".join(tokens), rule, blend.cause, blend.subcause, blend.confidence
    )
    p_cause, sub_z, p_serious, confidence = top.predict(values)
    cause = max(CAUSES, key=p_cause.__getitem__)
    if "extortion_suspected" in rule.flags:
        # A bad review held against money (返红包就改好评, 不给钱就一直差评) is malicious by the
        # guide's definition, whatever else it says; the labelled reviews hold too few to learn.
        cause = "buyer_side"
    subcause, best = DEFAULT_SUBCAUSE[cause], -math.inf
    for s in SUBCAUSES_BY_CAUSE[cause]:
        v = sub_z[_SUB_INDEX[s]]
        if v > best:
            subcause, best = s, v
    for s in RULE_DEFINED:
        if CAUSE_OF[s] == cause and rule.scores.get(s, 0.0) >= RULE_DEFINED_SCORE:
            subcause = s
    severity = "serious" if p_serious > 0.5 else "minor"
    if rule.fake or "complaint_threat" in rule.flags or "extortion_suspected" in rule.flags:
        severity = "serious"
    if cause == blend.cause and subcause == blend.subcause:
        evidence = list(blend.evidence)
    else:
        evidence = list(rule.evidence.get(subcause, ()))[:MAX_EVIDENCE] or (
            model.top_words(tokens, cause)
        )
        evidence += [w for w in rule.flag_evidence if w not in evidence]
    rule_causes = rule.cause_scores()
    floor = max(SECOND_CAUSE_RULE, SECOND_CAUSE_SHARE * rule_causes[cause])
    others = [c for c in CAUSES if c != cause and rule_causes[c] >= floor]
    second = max(others, key=rule_causes.__getitem__) if others else ""
    # A shop's model is named by its own version (it holds that shop's corrections).
    version = top.version if model is base_model() else model.version
    return Classification(
        cause,
        subcause,
        severity,
        confidence[cause],
        list(rule.flags),
        evidence[:MAX_EVIDENCE],
        version,
        second_cause=second,
        triage_below=top.threshold,
    )


# Sub-causes the labelled reviews hold a handful of, and the rules recognise by definition
# (点错了, 返红包就改好评): a clear rule wins over the model's few examples.
RULE_DEFINED = ("misoperation", "malicious", "ordered_wrong")
RULE_DEFINED_SCORE = 2.0
# A second cause is recorded when the rules see the buyer blame that party in a clause too,
# with at least this share of the main cause's rule score (不是卖家的问题，是我拍错了 blames
# nobody but the buyer).
SECOND_CAUSE_RULE = 1.0
SECOND_CAUSE_SHARE = 0.4
_SUB_INDEX = {s: i for i, s in enumerate(stacked.SUBCAUSES)}


def _blend(
    tokens: list[str], model: learned.LinearModel, exclamations: int
) -> tuple[Classification, rules.RuleResult, bool]:
    """Rules + word model → (classification, the rules' result, whether it is final)."""
    rule = rules.analyse(tokens, exclamations)
    flags = list(rule.flags)

    if model.memory:
        content = learned.content_words(tokens)
        best, best_sim, shared = None, 0.0, frozenset()
        for words, labels in model.memory:
            union = len(content | words)
            sim = len(content & words) / union if union else 0.0
            if sim > best_sim:
                best, best_sim, shared = labels, sim, content & words
        if best is not None and best_sim >= MEMORY_SIMILARITY:
            cause, subcause, severity = best
            # The evidence is this review's own words (those a corrected review shared), in
            # the order written here: nothing of the other review is shown.
            words = [t for t in dict.fromkeys(tokens) if t in shared][:MAX_EVIDENCE]
            found = Classification(
                cause, subcause, severity, 0.95, flags, [f"≈ {' '.join(words)}"], model.version
            )
            return found, rule, True

    p_cause, sub_logp, p_serious = model.predict(tokens)
    rule_causes = rule.cause_scores()
    model_weight = (
        CONFIDENT_MODEL_WEIGHT if max(rule_causes.values()) >= CONFIDENT_RULE else MODEL_WEIGHT
    )
    logits = {
        c: model_weight * math.log(max(p_cause[c], 1e-9))
        + RULE_WEIGHT * rule_causes[c]
        + CAUSE_PRIOR[c]
        for c in CAUSES
    }
    if (
        rule_causes["logistics"] >= 1.0
        and rule_causes["product_service"] >= 1.0
        and (
            rule_causes["product_service"] >= BOTH_BLAMED_RATIO * rule_causes["logistics"]
            or rule.complaint_clauses("product_service") >= rule.complaint_clauses("logistics")
        )
    ):
        logits["product_service"] += BOTH_BLAMED_BONUS
    top = max(logits.values())
    exps = {c: math.exp(v - top) for c, v in logits.items()}
    total = sum(exps.values())
    cause = max(CAUSES, key=logits.__getitem__)
    confidence = exps[cause] / total

    if (
        len(tokens) <= 8
        and max(rule.scores.values(), default=0.0) < 1.0
        and len(learned.content_words(tokens)) <= 2
        and p_cause[cause] < 0.6
    ):
        # "垃圾", "差评" alone: nothing a support agent could tell a cause from.
        vague = Classification("unclear", "unclear", "minor", 0.2, flags, [], model.version)
        return vague, rule, True

    rule_scores = rule.scores
    subcause, best = DEFAULT_SUBCAUSE[cause], -math.inf
    for s in SUBCAUSES_BY_CAUSE[cause]:  # a plain loop: max(key=lambda) costs a call per item
        v = sub_logp.get(s, -30.0) + SUB_RULE_WEIGHT * rule_scores.get(s, 0.0)
        if v > best:
            subcause, best = s, v

    p = min(max(p_serious, 1e-6), 1 - 1e-6)
    sev_z = math.log(p / (1 - p)) + SEVERITY_RULE_WEIGHT * (rule.severity - SEVERITY_PIVOT)
    if rule.fake or "complaint_threat" in flags or "extortion_suspected" in flags:
        # Accusations of fakes and threats to complain are serious by definition.
        sev_z = max(sev_z, 1.0)
    severity = "serious" if sev_z > 0 else "minor"

    evidence: list[str] = []
    if rule.evidence:
        for sub in [subcause] + sorted(
            (s for s in rule.evidence if s != subcause and s in SUBCAUSES_BY_CAUSE[cause]),
            key=lambda s: -rule_scores[s],
        ):
            for item in rule.evidence.get(sub, ()):
                if item not in evidence:
                    evidence.append(item)
    if not evidence:
        evidence = model.top_words(tokens, cause)
    if severity == "serious":
        evidence += [w for w in rule.severity_evidence if w not in evidence]
    evidence += [w for w in rule.flag_evidence if w not in evidence]
    result = Classification(
        cause, subcause, severity, confidence, flags, evidence[:MAX_EVIDENCE], model.version
    )
    return result, rule, False


def _with_high_value(
    result: Classification, amount: Decimal | None, threshold: Decimal | None
) -> Classification:
    if amount is None or threshold is None or amount < threshold:
        return result
    return dataclasses.replace(result, flags=[*result.flags, "high_value"])


def classify(
    text: str,
    *,
    amount: Decimal | None = None,
    high_value_threshold: Decimal | None = None,
    shop_id: int | None = None,
) -> Classification:
    result = _classify_text(text or "", model_for_shop(shop_id))
    return _with_high_value(result, amount, high_value_threshold)


def _classify_text(text: str, model: learned.LinearModel) -> Classification:
    if english.is_english(text):
        # A buyer who owns the mistake outweighs a complaint word; mixed or no cues: triage.
        cause, subcause, severity, confidence, evidence = english.classify(text)
        return Classification(cause, subcause, severity, confidence, [], evidence, english.VERSION)
    tokens = segment.cut(normalize.normalize(text))
    return classify_tokens(tokens, model, exclamations=normalize.exclamations(text))


class Memo:
    """A run's classifier (an import's): each distinct text is classified once. The answer
    depends only on the words, the model and whether the amount is high-value, so a text seen
    again gets the answer it got. Started afresh when the shop's model changes, and bounded:
    past `size` texts, new ones are classified without being kept."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self.model: learned.LinearModel | None = None
        self.results: dict[tuple[str, bool], Classification] = {}

    def classify(
        self,
        text: str,
        *,
        amount: Decimal | None = None,
        high_value_threshold: Decimal | None = None,
        shop_id: int | None = None,
    ) -> Classification:
        model = model_for_shop(shop_id)
        if model is not self.model:
            self.model, self.results = model, {}
        high = not (amount is None or high_value_threshold is None or amount < high_value_threshold)
        key = (text or "", high)
        result = self.results.get(key)
        if result is None:
            result = classify(
                text, amount=amount, high_value_threshold=high_value_threshold, shop_id=shop_id
            )
            if len(self.results) < self.size:
                self.results[key] = result
        return result


def classify_many(texts: Iterable[str], *, shop_id: int | None = None) -> list[Classification]:
    """Many reviews of one shop: the model is looked up once."""
    model = model_for_shop(shop_id)
    return [_classify_text(t or "", model) for t in texts]
