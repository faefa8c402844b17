"""A learned second opinion on reward-for-review wording, for what the rules have not seen.

The rules in outreach.wording name the reward and the review they found; on messages written by
colleagues who had not read them they still let through a few new euphemisms and new ways of
asking (about one in twenty trades). This model reads the same normalised text as character
1–3-grams (tf-idf, logistic regression) learned from the project's own labelled messages
(tests/outreach/compliance_messages.tsv, the lists in tests/outreach/test_compliance_corpus.py
and held-out rounds 1–34 in bench/heldout/). It decides only where the rules are unsure:
- a message the rules pass but that names, asks for or promises for a review is refused when
  the model reads it as a trade with probability above TRADE_ABOVE (TRADE_ABOVE_NO_REWARD when
  it carries no reward word the rules know: a euphemism must be read surely);
- a message the rules refuse but that also disowns the link somewhere (与评价无关, 您自愿,
  谨防诈骗 …: a denial the rules could not tie to the right clause) passes when the model reads
  it as a trade with probability below ORDINARY_BELOW.
- a reward and a review only named in different sentences, never asked for, passes when the
  model reads it as a trade with probability below LOOSE_BELOW.
The thresholds were chosen on rounds 5–15, each round scored by a model trained without it
(leave one round out); LOOSE_BELOW the same way on rounds 2–34 (the ordinary loose links
scored up to 0.13, the trades at least 0.15: 0.1 errs towards refusing); rounds 35 and 36
measure the result.

The file holds weights only — an idf and a weight per 1–3-character n-gram, no message — and is
rebuilt, byte for byte, by `python manage.py train_compliance_model`. Inference is plain Python:
the same arithmetic as scikit-learn's TfidfVectorizer(analyzer="char", sublinear_tf=True) and
LogisticRegression.predict_proba, which the command checks on every message it trained on.
"""

import functools
import json
import math
import re
from collections import Counter
from pathlib import Path

MODEL = Path(__file__).with_name("compliance_model.json")

# A message the rules pass is refused when the model reads it as a trade above this; one they
# refuse but that disowns the link passes below the second.
TRADE_ABOVE = 0.7
TRADE_ABOVE_NO_REWARD = 0.8
ORDINARY_BELOW = 0.4
# A reward and a review only named in another sentence, never asked for ("Your feedback helps
# us improve. The partial refund has been processed."): passed below this.
LOOSE_BELOW = 0.1

_WHITESPACE = re.compile(r"\s\s+")


@functools.cache
def _model() -> dict:
    with MODEL.open(encoding="utf-8") as f:
        data = json.load(f)
    return {
        "min_n": data["ngram_range"][0],
        "max_n": data["ngram_range"][1],
        "intercept": data["intercept"],
        "terms": {term: (idf, weight) for term, (idf, weight) in data["terms"].items()},
    }


def ngrams(normalised: str, min_n: int, max_n: int) -> Counter:
    """Character n-grams as scikit-learn's char analyzer counts them."""
    text = _WHITESPACE.sub(" ", normalised)
    counts: Counter = Counter()
    for n in range(min_n, max_n + 1):
        for i in range(len(text) - n + 1):
            counts[text[i : i + n]] += 1
    return counts


def _weights(normalised: str) -> tuple[float, dict[str, float], str]:
    """The score, each n-gram's share of it, and the text as the n-grams were read."""
    model = _model()
    terms = model["terms"]
    text = _WHITESPACE.sub(" ", normalised)
    values = {}
    for gram, count in ngrams(text, model["min_n"], model["max_n"]).items():
        if gram in terms:
            values[gram] = (1.0 + math.log(count)) * terms[gram][0]
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    shares = {gram: v / norm * terms[gram][1] for gram, v in values.items()}
    return model["intercept"] + sum(shares.values()), shares, text


def trade_probability(normalised: str) -> float:
    """How likely the (already normalised) message trades a reward for a review."""
    score, _, _ = _weights(normalised)
    return 1.0 / (1.0 + math.exp(-score))


def evidence(normalised: str, limit: int = 3) -> list[str]:
    """The stretches of the message that weighed most towards a trade: each n-gram's share is
    spread over its characters, and the runs of characters that push towards a trade are
    ranked by their weight."""
    model = _model()
    _, shares, text = _weights(normalised)
    per_char = [0.0] * len(text)
    for n in range(model["min_n"], model["max_n"] + 1):
        for i in range(len(text) - n + 1):
            share = shares.get(text[i : i + n], 0.0)
            for j in range(i, i + n):
                per_char[j] += share / n
    top = max(per_char, default=0.0)
    if top <= 0:
        return []
    runs: list[tuple[float, str]] = []
    start = None
    for i, weight in enumerate([*per_char, 0.0]):
        if weight > top / 4 and start is None:
            start = i
        elif weight <= top / 4 and start is not None:
            run = text[start:i].strip(" ,.!?;:~，。！？")
            if run:
                runs.append((sum(per_char[start:i]), run))
            start = None
    return [run for _, run in sorted(runs, key=lambda r: -r[0])[:limit]]
