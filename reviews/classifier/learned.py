"""The learned half: a linear model over jieba tokens, trained with scikit-learn, applied
without it.

Training uses `LogisticRegression` (one model for cause, one for sub-cause, one for
severity); the fitted coefficients are then stacked into one matrix over one vocabulary so
that scoring a review is a single numpy row-sum: the per-call overhead of sklearn's
`predict_proba` (~100 µs) would alone blow the bench's 30% budget over segmentation.
Artifacts are `.npz` bytes (no pickle: loading a model cannot execute code).
"""

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..taxonomy import CAUSES, SUBCAUSES_BY_CAUSE
from .lexicon import PUNCT

SUBCAUSES = tuple(s for c in CAUSES for s in SUBCAUSES_BY_CAUSE[c])
# Corrections are the shop's own ground truth: they count this many times a shipped example.
CORRECTION_WEIGHT = 4.0
CAUSE_BALANCED = False
SUBCAUSE_BALANCED = False


@dataclass(frozen=True)
class Example:
    text: str
    cause: str
    subcause: str
    severity: str


# Function words and the buyer's "I bought": everywhere, so they only teach the model noise
# (a hand-written training set otherwise makes 我/买/给 predict whatever class used them most).
STOPWORDS = frozenset(
    [
        "一下",
        "一个",
        "一点",
        "上",
        "下",
        "不想",
        "不过",
        "与",
        "东西",
        "个",
        "个人",
        "中",
        "么",
        "也",
        "买",
        "买了",
        "买来",
        "买的",
        "了",
        "些",
        "京东",
        "什么",
        "从",
        "他",
        "他们",
        "以为",
        "会",
        "但",
        "但是",
        "你",
        "你们",
        "其实",
        "到",
        "去",
        "又",
        "可是",
        "可能",
        "后",
        "吗",
        "吧",
        "呀",
        "呢",
        "和",
        "哦",
        "商品",
        "啊",
        "啦",
        "嘛",
        "因为",
        "在",
        "大",
        "太",
        "她",
        "好",
        "好多",
        "如果",
        "它",
        "对",
        "小",
        "就",
        "就是",
        "差评",
        "很",
        "得",
        "必须",
        "怎么",
        "想",
        "感觉",
        "我",
        "我们",
        "我自己",
        "所以",
        "把",
        "挺",
        "是",
        "有",
        "有点",
        "本",
        "来",
        "比较",
        "用",
        "的",
        "看",
        "看到",
        "真",
        "着",
        "知道",
        "第一次",
        "给",
        "而且",
        "能",
        "自己",
        "蛮",
        "被",
        "要",
        "觉得",
        "让",
        "评",
        "说",
        "跟",
        "过",
        "还",
        "还是",
        "这",
        "这个",
        "这么",
        "这种",
        "这次",
        "那",
        "那个",
        "那么",
        "都",
        "里",
        "里面",
    ]
)


_SKIP = PUNCT | STOPWORDS | {" "}


def content_words(tokens: Sequence[str]) -> frozenset[str]:
    """The words that say something, for comparing two reviews (the corrections memory)."""
    return frozenset(t for t in tokens if t not in _SKIP)


_NEGATORS = frozenset(
    ["不", "没", "没有", "不是", "并不是", "并非", "无", "别", "不太", "不够", "不算"]
)


def features(tokens: Sequence[str]) -> list[str]:
    """Unigrams (minus function words, negators and punctuation), and a word after a negator
    as "不_word" (不是+质量问题 is not 质量问题). Unigrams only otherwise: bigrams cost a string
    per token and bought nothing on the dev set."""
    feats = []
    negate = False
    for t in tokens:
        if t in _NEGATORS:
            # Not a feature of its own: 不/没有 are in every kind of complaint, and a hand-written
            # set teaches them whatever class used them most (没有想象的好 → buyer_side).
            negate = True
        elif t in _SKIP:
            if t in PUNCT:
                negate = False
        else:
            feats.append("不_" + t if negate else t)
            negate = False
    return feats


@dataclass
class LinearModel:
    version: str
    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab), 3 + len(SUBCAUSES) + 1)
    bias: np.ndarray
    # Agents' corrections: (content words, (cause, sub-cause, severity)). Never their text:
    # evidence is taken from the review being classified, and an erasure drops the model.
    memory: list[tuple[frozenset[str], tuple[str, str, str]]] = field(default_factory=list)
    _margins: list[dict[str, float]] | None = field(default=None, repr=False, compare=False)

    def top_words(self, tokens: Sequence[str], cause: str, n: int = 3) -> list[str]:
        """The tokens that pushed the model most towards `cause` (evidence when no rule fired)."""
        if self._margins is None:
            # How much more each word says a cause than the average cause, for the words where
            # that is over 0.2 (cause → {word: margin}): computed once.
            w = self.weights[:, :3]
            margins = (w - w.mean(axis=1, keepdims=True)).tolist()
            words = sorted(self.vocab, key=self.vocab.__getitem__)
            self._margins = [
                {word: row[col] for word, row in zip(words, margins, strict=True) if row[col] > 0.2}
                for col in range(3)
            ]
        strong = self._margins[CAUSES.index(cause)]
        scored = [(strong[tok], tok) for tok in dict.fromkeys(tokens[:80]) if tok in strong]
        return [tok for _w, tok in sorted(scored, reverse=True)[:n]]

    def logits(self, tokens: Sequence[str]) -> np.ndarray:
        vocab = self.vocab
        rows = list({vocab[f] for f in features(tokens) if f in vocab})
        if not rows:
            return self.bias
        return self.weights.take(rows, axis=0).sum(axis=0) + self.bias

    def predict(self, tokens: Sequence[str]) -> tuple[dict[str, float], dict[str, float], float]:
        """(cause → probability, sub-cause → logit, P(serious))."""
        z = self.logits(tokens).tolist()
        cause_z = z[:3]
        top = max(cause_z)
        exps = [math.exp(v - top) for v in cause_z]
        total = sum(exps)
        causes = {c: e / total for c, e in zip(CAUSES, exps, strict=True)}
        # Sub-causes are only ever compared with each other: logits, no normalisation.
        subs = dict(zip(SUBCAUSES, z[3 : 3 + len(SUBCAUSES)], strict=True))
        serious = 1.0 / (1.0 + math.exp(-z[-1]))
        return causes, subs, serious

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        np.savez_compressed(
            buf,
            version=np.array(self.version),
            vocab=np.array(words, dtype=str),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float64),
            memory_words=np.array([" ".join(sorted(w)) for w, _ in self.memory] or [""], dtype=str),
            memory_labels=np.array(["\t".join(lab) for _, lab in self.memory] or [""], dtype=str),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "LinearModel":
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as z:
            words = z["vocab"].tolist()
            # Models stored before carry an excerpt of the corrected text as a fourth label:
            # it is dropped here (and by the migration that rewrote the stored ones).
            memory = [
                (frozenset(w.split()), tuple(lab.split("\t")[:3]))
                for w, lab in zip(
                    z["memory_words"].tolist(), z["memory_labels"].tolist(), strict=True
                )
                if lab
            ]
            return cls(
                version=str(z["version"]),
                vocab={w: i for i, w in enumerate(words)},
                weights=z["weights"].astype(np.float64),
                bias=z["bias"],
                memory=memory,
            )


def train(
    examples: Iterable[Example],
    *,
    version: str,
    tokenize,
    weights: Sequence[float] | None = None,
    C: float = 1.0,
) -> LinearModel:
    """Fit on `examples` (deterministic: lbfgs, no shuffling)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    examples = list(examples)
    sample_weight = np.asarray(weights if weights is not None else [1.0] * len(examples))
    feats = [set(features(tokenize(e.text))) for e in examples]
    vocab: dict[str, int] = {}
    for fs in feats:
        for f in sorted(fs):
            vocab.setdefault(f, len(vocab))
    rows, cols = [], []
    for i, fs in enumerate(feats):
        for f in fs:
            rows.append(i)
            cols.append(vocab[f])
    X = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(examples), len(vocab)))

    n_out = 3 + len(SUBCAUSES) + 1
    W = np.zeros((len(vocab), n_out))
    b = np.zeros(n_out)

    def fit(labels: list[str], classes: Sequence[str], mask: np.ndarray, balanced: bool = True):
        y = np.array([classes.index(lab) for lab, m in zip(labels, mask, strict=True) if m])
        clf = LogisticRegression(
            C=C, max_iter=1000, tol=1e-3, class_weight="balanced" if balanced else None
        )
        clf.fit(X[mask], y, sample_weight=sample_weight[mask])
        return clf

    def put_multiclass(clf, n_classes: int, offset: int) -> None:
        present = list(clf.classes_)
        b[offset : offset + n_classes] = -20.0  # a class never seen is never predicted
        if len(present) == 2:  # sklearn keeps one row for two classes: split it
            W[:, offset + present[1]] = clf.coef_[0] / 2
            W[:, offset + present[0]] = -clf.coef_[0] / 2
            b[offset + present[1]] = clf.intercept_[0] / 2
            b[offset + present[0]] = -clf.intercept_[0] / 2
            return
        for k, cls_idx in enumerate(present):
            W[:, offset + cls_idx] = clf.coef_[k]
            b[offset + cls_idx] = clf.intercept_[k]

    known = np.array([e.cause in CAUSES for e in examples])
    # Cause: the shipped set's own proportions (mostly product, as real reviews are), not
    # balanced classes, which made every generic word lean towards the rarer causes.
    put_multiclass(fit([e.cause for e in examples], CAUSES, known, balanced=CAUSE_BALANCED), 3, 0)
    put_multiclass(
        fit([e.subcause for e in examples], SUBCAUSES, known, balanced=SUBCAUSE_BALANCED),
        len(SUBCAUSES),
        3,
    )
    severity = [e.severity for e in examples]
    if len(set(severity)) == 2:
        clf = fit(severity, ("minor", "serious"), np.ones(len(examples), bool))
        W[:, -1] = clf.coef_[0]
        b[-1] = clf.intercept_[0]
    else:
        b[-1] = 20.0 if severity and severity[0] == "serious" else -20.0
    return LinearModel(version=version, vocab=vocab, weights=W, bias=b)
