"""Rules over one review's tokens: clause structure, contrast, negation, the lexicon.

Pure functions over a token list (no ORM, no jieba): `analyse(tokens)` walks the tokens once,
splits them into clauses at punctuation and at contrast words, and scores each sub-cause from
what every clause says about what (快递 + 太慢 → courier_speed), weighted by where the clause
stands (the clause after 但是/就是 weighs more; the first a little more than the rest, as a
buyer with several complaints usually puts first the one they mind most). `analyse` lists
its steps; they follow it here in the order they run.

Long on purpose (past 500 lines): the steps hand one clause's state (`_Clause`) from one to the
next and serve nothing else, so they stay together and read top to bottom; the word lists
they test against live in `rule_words.py`.
"""

from dataclasses import dataclass, field

from ..taxonomy import CAUSE_OF
from .lexicon import (
    ACCESSORIES,
    ARRIVAL,
    BOOK_WORDS,
    COMPLAINT_THREAT,
    CUES,
    DURATIONS,
    EXPECTATION,
    EXTORTION,
    EXTORTION_STRONG,
    FAKE,
    FEATURES,
    MILD,
    MONEY,
    NEGATION_PROOF,
    PREDICATES,
    SERIOUS,
    SUBJECTS,
    VAGUE,
)
from .rule_words import (
    ABSENT,
    ARRIVAL_NEGATED,
    BOUNDARY,
    CARRIED,
    CLAIM_WORDS,
    COMPETITOR_PHRASE,
    CONCEDED,
    CONTENT_CONVERTIBLE,
    DAY_UNITS,
    DEFECTS,
    DELIVER_VERBS,
    DEVICE_SPEED,
    EXTORTION_PHRASE,
    GENUINE,
    GIFT_VERBS,
    KEEP_ON,
    LACKS,
    LISTING,
    LOGI_WORDS,
    MISSING_THINGS,
    NEGATION_GAP,
    NEGATORS_WIDE,
    NO_DEFECT,
    NO_DEFECT_GAP,
    NO_DEFECT_NEG,
    NOT_RECEIVED,
    NUMBERS,
    ON_TIME,
    PAGES_MISSING,
    PHYSICAL,
    PRICE_HIGH,
    PRICE_PROMISE,
    PROMISE,
    PROMISED,
    RATING,
    SENT_HEADS,
    SENT_OTHER,
    SENT_VERBS,
    SHIP_VERBS,
    SIZE_LABEL,
    SIZE_OFF,
    SLIP,
    TASTE_GOOD,
    UNLESS,
    WEIGH,
    WEIGHT_UNITS,
)

# Weights of a clause by position.
CONTRAST_AFTER = 1.7  # the clause introduced by 但是/可是/不过/就是/只是
CONTRAST_BEFORE = 0.5  # the clauses it overrides
FIRST_CLAUSE_BONUS = 0.1
_COMPLAINTS = frozenset(["slow", "bad", "attitude"])


@dataclass
class RuleResult:
    scores: dict[str, float] = field(default_factory=dict)  # sub-cause → score
    evidence: dict[str, list[str]] = field(default_factory=dict)  # sub-cause → clauses/words
    severity: float = 0.0
    severity_evidence: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flag_evidence: list[str] = field(default_factory=list)
    fake: bool = False  # the buyer says or suspects it is a fake: serious by definition

    def cause_scores(self) -> dict[str, float]:
        out = {"logistics": 0.0, "product_service": 0.0, "buyer_side": 0.0}
        for sub, score in self.scores.items():
            out[CAUSE_OF[sub]] += score
        return out

    def complaint_clauses(self, cause: str) -> int:
        """In how many clauses the buyer complains about `cause`: a product and a delivery
        criticised in as many clauses weigh the same, and then the product counts."""
        return len(
            {
                c
                for sub, ev in self.evidence.items()
                if CAUSE_OF[sub] == cause
                for c in ev
                if len(c) > 2
            }
        )

    def add(self, sub: str, score: float, clause: str | list[str]) -> None:
        if isinstance(clause, list):
            clause = _clause_text(clause)
        self.scores[sub] = self.scores.get(sub, 0.0) + score
        ev = self.evidence.setdefault(sub, [])
        if clause not in ev:
            ev.append(clause)


def split_clauses(tokens: list[str]) -> list[tuple[list[str], bool]]:
    """[(clause tokens, starts with a contrast word)], punctuation and spaces dropped (the
    tokens come from normalised text, where any run of whitespace is one " ")."""
    clauses: list[tuple[list[str], bool]] = []
    current: list[str] = []
    contrast = False
    boundary = BOUNDARY.get
    for tok in tokens:
        kind = boundary(tok)
        if kind is None:
            if tok != " ":  # buyers put spaces inside a clause too
                current.append(tok)
            continue
        if current:
            clauses.append((current, contrast))
        current, contrast = [], kind == 2
    if current:
        clauses.append((current, contrast))
    return clauses


def _negated(toks: list[str], j: int) -> bool:
    """A negator right before toks[j], or before one or two filler words (不是很好, 不给我送货)."""
    if j >= 1 and toks[j - 1] in NEGATORS_WIDE:
        return True
    if j >= 2 and toks[j - 1] in NEGATION_GAP:
        if toks[j - 2] in NEGATORS_WIDE:
            return True
        return j >= 3 and toks[j - 2] in NEGATION_GAP and toks[j - 3] in NEGATORS_WIDE
    return False


def is_accessory_clause(toks: list[str]) -> bool:
    """没有耳机, 赠品没收到, 连个贴膜都没有: an accessory said to be absent."""
    return not ACCESSORIES.isdisjoint(toks) and not ABSENT.isdisjoint(toks)


def _clause_text(toks: list[str]) -> str:
    text = "".join(toks)
    return text if len(text) <= 24 else text[:23] + "…"


def _says_no_defect(tokens: list[str]) -> bool:
    """质量没问题, 也没坏, 挑不出毛病, 不是质量问题."""
    for j, tok in enumerate(tokens):
        if tok in NO_DEFECT:
            # 没问题, 没什么问题, 说不上有什么问题: a negator before up to two filler words.
            for k in range(j - 1, max(j - 4, -1), -1):
                if tokens[k] in NO_DEFECT_NEG:
                    return True
                if tokens[k] not in NO_DEFECT_GAP:
                    break
    return False


def _short_weight(tokens: list[str]) -> str:
    """不到五斤, 称了只有430克, 净重不足: a weight word within a few tokens of 称/不到/不足."""
    for j, tok in enumerate(tokens):
        if tok in WEIGH:
            for k in range(j + 1, min(j + 4, len(tokens))):
                if tokens[k].endswith(WEIGHT_UNITS) and (
                    tokens[k][0].isdigit() or tokens[k][0] in NUMBERS or len(tokens[k]) <= 2
                ):
                    return _clause_text(tokens[j : k + 1])
    return ""


def analyse(tokens: list[str], exclamations: int = 0) -> RuleResult:
    """One review's sub-cause scores, severity and flags, in these steps:

    1. `_Review`: what the whole review holds, found once;
    2. `_clause_weights`: how much each clause counts, by where it stands;
    3. per clause, `_read_clause` (the lexicon, one lookup per token, then the cues that take
       several words) and, unless the clause complains of nothing, `_carry_subject`,
       `_score_service` (shipping, customer service, the courier), `_score_goods` (price,
       taste, quality) and `_add_cues`;
    4. `_adjust_across_clauses`: what only the whole review can tell (降价 + 保价 is the price);
    5. `_add_flags` (a complaint threat, extortion) and `_finish_severity`.
    """
    result = RuleResult()
    clauses = split_clauses(tokens)
    review = _Review(tokens)
    weights = _clause_weights(clauses, review.token_set)
    clause = _Clause()
    carried: set[str] = set()
    for (toks, _contrast), weight in zip(clauses, weights, strict=True):
        if not _read_clause(clause, toks, weight, review, result):
            continue  # nothing in this clause speaks of a complaint (the bench: most clauses)
        carried = _carry_subject(clause, carried)
        _score_service(clause, review, result)
        _score_goods(clause, review, result)
        _add_cues(clause, result)
    _adjust_across_clauses(tokens, review.token_set, result)
    _add_flags(tokens, review.token_set, result)
    _finish_severity(result, exclamations)
    return result


class _Review:
    """What the whole review holds, found once: the clause-level checks run only where their
    words occur at all (the bench allows the pipeline 30% over bare segmentation)."""

    __slots__ = (
        "tokens",
        "token_set",
        "has_promise",
        "has_pages",
        "has_accessory",
        "has_logi",
        "has_arrival",
        "has_size",
        "has_listing",
        "has_feature",
    )

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.token_set = token_set = set(tokens)
        self.has_promise = not token_set.isdisjoint(PROMISED) and not token_set.isdisjoint(
            GIFT_VERBS
        )
        self.has_pages = not token_set.isdisjoint(PAGES_MISSING)
        self.has_accessory = not token_set.isdisjoint(ACCESSORIES) and not token_set.isdisjoint(
            ABSENT
        )
        self.has_logi = not token_set.isdisjoint(LOGI_WORDS)
        self.has_arrival = not token_set.isdisjoint(ARRIVAL)
        # A size word in a review that says what was ordered and what was sent instead is
        # about a wrong item, not a size off its label.
        self.has_size = not token_set.isdisjoint(SIZE_LABEL) and not (
            "的" in token_set and SENT_OTHER.search("".join(tokens))
        )
        self.has_listing = not token_set.isdisjoint(LISTING)
        self.has_feature = not token_set.isdisjoint(FEATURES)


def _clause_weights(clauses: list[tuple[list[str], bool]], token_set: set[str]) -> list[float]:
    """The clause after a contrast word counts most and the ones before it less; the first
    clause a little more; a clause the buyer waves aside (就不说了) less."""
    weights = [1.0] * len(clauses)
    for i, (_toks, contrast) in enumerate(clauses):
        if contrast and i > 0:
            for k in range(i):
                weights[k] *= CONTRAST_BEFORE
            weights[i] = CONTRAST_AFTER
    if clauses:
        weights[0] += FIRST_CLAUSE_BONUS
    if not token_set.isdisjoint(CONCEDED):
        for i, (toks, _contrast) in enumerate(clauses):
            if not CONCEDED.isdisjoint(toks):
                # 物流慢就不说了，… / 慢也就算了，…: the buyer waves this one aside for what follows.
                weights[i] *= CONTRAST_BEFORE
    return weights


class _Clause:
    """What the clause at hand says, filled in by `_read_clause` for the steps that score it
    (every field, whenever it returns True). One per review, refilled clause by clause: a new
    object for every clause cost ~5% of `analyse`, and the bench allows the whole pipeline
    only 30% over bare segmentation. Its cues are weighted by the clause only in `_add_cues`,
    so the steps before may still recast them (what a book says is the reader's taste, not
    the product's quality)."""

    __slots__ = (
        "toks",
        "weight",
        "subjects",
        "preds",
        "cues",
        "has_duration",
        "has_arrival",
        "has_ship_verb",
        "has_book",
        "has_price_high",
        "not_received",
        "logi_negated",
        "size_off",
        "complaint",
    )
    toks: list[str]
    weight: float
    subjects: set[str]  # what it talks about: logi, cs, ship, price, taste, product
    preds: set[str]  # what it says of it, negation applied: slow, bad, attitude, good
    cues: list[tuple[str, float, str]]  # (sub-cause, cue weight, evidence)
    has_duration: bool  # 好几天, 5天
    has_arrival: bool  # 到货, 收到
    has_ship_verb: bool  # 发货
    has_book: bool  # what a book says: 内容, 作者
    has_price_high: bool  # 太贵, 不值
    not_received: bool  # 没收到, 还没到
    logi_negated: bool  # 不给我送货
    size_off: bool  # 码数偏大: a size off its label
    complaint: set[str]  # the preds that complain: slow, bad, attitude


# One lookup per token: (subject, predicate, cue, serious weight, duration, arrival, ship verb,
# price-high, mild, day unit, arrival-if-negated, book word). The bench allows the whole
# pipeline 30% over bare segmentation, and most tokens are in none of the tables. Built here,
# beside `_read_clause`, which unpacks the entries in this order.
_LEX = {
    w: (
        SUBJECTS.get(w),
        PREDICATES.get(w),
        CUES.get(w),
        SERIOUS.get(w),
        w in DURATIONS,
        w in ARRIVAL,
        w in SHIP_VERBS,
        w in PRICE_HIGH,
        w in MILD,
        w in DAY_UNITS,
        w in ARRIVAL_NEGATED,
        w in BOOK_WORDS,
    )
    for w in (
        set(SUBJECTS)
        | set(PREDICATES)
        | set(CUES)
        | set(SERIOUS)
        | DURATIONS
        | ARRIVAL
        | SHIP_VERBS
        | PRICE_HIGH
        | MILD
        | DAY_UNITS
        | ARRIVAL_NEGATED
        | BOOK_WORDS
        | {"真的"}
    )
}


def _read_clause(
    clause: _Clause, toks: list[str], weight: float, review: _Review, result: RuleResult
) -> bool:
    """What the clause says, into `clause`; False when it speaks of no complaint (most
    clauses). First the lexicon pass, one `_LEX` lookup per token: subjects, predicates
    (negation applied), direct cues, the words later steps test for, and severity words,
    counted into `result.severity` weighted by the clause (at most 1.2). Then the cues that
    take several words of the clause."""
    subjects: set[str] = set()
    preds: set[str] = set()
    has_duration = has_arrival = has_ship_verb = has_book = has_price_high = False
    not_received = logi_negated = False
    cues: list[tuple[str, float, str]] = []
    severity = result.severity
    for j, tok in enumerate(toks):
        if tok not in _LEX:  # most tokens: one dict miss and on
            continue
        (
            subj,
            pred,
            cue,
            sev,
            is_duration,
            is_arrival,
            is_ship,
            is_high,
            is_mild,
            is_unit,
            is_arr_neg,
            is_book,
        ) = _LEX[tok]
        if is_book:
            has_book = True
        if subj is not None:
            subjects.add(subj)
            if tok in DELIVER_VERBS and _negated(toks, j):
                logi_negated = True
        if pred is not None:
            if tok in TASTE_GOOD and not NEGATORS_WIDE.isdisjoint(toks[max(0, j - 4) : j]):
                # 并没有什么大帮助, 没太多精彩的: a looser reach for what a reader misses.
                cues.append(("dislike_or_expectation", 1.8, "不" + tok))
                pred = None
            elif _negated(toks, j):
                if tok in TASTE_GOOD:  # 不喜欢, 不太实用, 没有帮助
                    cues.append(("dislike_or_expectation", 1.8, "不" + tok))
                elif tok in GENUINE:  # 不是正品, 不像真的
                    cues.append(("not_as_described", 3.0, "不是" + tok))
                    result.fake = True
                # 不快 → slow; 不好/不满意 → bad; 不慢/不差 → fine; 不是态度问题 → nothing.
                if pred == "good":
                    pred = "slow" if tok in ("快", "及时") else "bad"
                elif pred in ("bad", "slow"):
                    pred = "good"
                else:
                    pred = None
            if pred is not None:
                preds.add(pred)
        if tok == "真的" and j >= 1 and toks[j - 1] == "不像":
            # 都不像真的: a suspected fake ("真的" alone is just "really").
            cues.append(("not_as_described", 3.0, "不像真的"))
            result.fake = True
        if cue is not None and (tok in NEGATION_PROOF or not _negated(toks, j)):
            if tok in CLAIM_WORDS and _negated(toks, j):
                # 没有说的那么好, 不像描述的: the listing claimed more than came.
                cues.append(("not_as_described", 2.5, "不" + tok))
            else:
                cues.append((cue[0], cue[1], tok))
            if tok in FAKE:
                result.fake = True
        if (
            is_duration
            or is_unit
            and j >= 1
            and (toks[j - 1].isdigit() or toks[j - 1][-1] in NUMBERS)
        ):
            has_duration = True
        if is_arr_neg and (tok in NOT_RECEIVED or _negated(toks, j)):
            not_received = True
        if is_arrival:
            has_arrival = True
        if is_ship:
            has_ship_verb = True
        if is_high:
            has_price_high = True
        if sev is not None and not _negated(toks, j):
            severity += sev * min(weight, 1.2)
            if len(result.severity_evidence) < 4 and tok not in result.severity_evidence:
                result.severity_evidence.append(tok)
        elif is_mild:
            severity -= 0.3
    result.severity = severity

    # The cues that take several words of the clause; an item other than the one ordered is
    # scored at once.
    if review.has_promise and not PROMISED.isdisjoint(toks) and not GIFT_VERBS.isdisjoint(toks):
        # 说好的送两个杯子, 承诺赠送: a promised gift is a missing item whatever it is.
        cues.append(("wrong_or_missing_item", 2.3, _clause_text(toks)))
    if review.has_pages and not PAGES_MISSING.isdisjoint(toks) and any(t[-1] == "页" for t in toks):
        # 缺了好几页, 少了两页: the book's binding, not a missing parcel item.
        cues.append(("quality", 2.6, _clause_text(toks)))
    if (
        review.has_feature
        and not review.has_listing
        and not FEATURES.isdisjoint(toks)
        and not LACKS.isdisjoint(toks)
    ):
        # 没有WiFi, 不支持NFC, 不能插手机卡: a feature the buyer hoped for, with no word that the
        # listing promised it, is their expectation, not a defect.
        cues.append(("dislike_or_expectation", 1.6, _clause_text(toks)))
    if review.has_accessory and is_accessory_clause(toks):
        cues.append(("wrong_or_missing_item", 2.3, _clause_text(toks)))
    if "的" in toks and SENT_OTHER.search("".join(toks)):
        # 我要的M号给我弄个L号, 买的夏天的却送的是冬天的: not what was ordered.
        result.add("wrong_or_missing_item", 2.2 * weight, _clause_text(toks))
    size_off = (
        review.has_size
        and not any(c[0] == "ordered_wrong" for c in cues)
        and not SIZE_LABEL.isdisjoint(toks)
        and not SIZE_OFF.isdisjoint(toks)
        and SENT_VERBS.isdisjoint(toks)
    )
    if not (
        size_off or subjects or preds or cues or has_duration or not_received or "速度" in toks
    ):
        return False
    clause.toks = toks
    clause.weight = weight
    clause.subjects = subjects
    clause.preds = preds
    clause.cues = cues
    clause.has_duration = has_duration
    clause.has_arrival = has_arrival
    clause.has_ship_verb = has_ship_verb
    clause.has_book = has_book
    clause.has_price_high = has_price_high
    clause.not_received = not_received
    clause.logi_negated = logi_negated
    clause.size_off = size_off
    clause.complaint = preds & _COMPLAINTS
    return True


def _carry_subject(clause: _Clause, carried: set[str]) -> set[str]:
    """Chinese drops the subject it has just named: 快递很不给力，态度也不好 → the courier's
    attitude. A complaining clause without a subject of its own talks about the previous
    one's (the courier's or the service's). Returns what the next clause may carry."""
    if clause.subjects:
        return clause.subjects & CARRIED
    if clause.complaint and carried:
        clause.subjects = set(carried)
    return carried


def _score_service(clause: _Clause, review: _Review, result: RuleResult) -> None:
    """Who let the buyer down between the order and the parcel in hand: the courier (slow,
    rude, lost), the seller's customer service, the seller's shipping."""
    toks, weight, subjects, preds = clause.toks, clause.weight, clause.subjects, clause.preds
    complaint, has_duration, has_arrival = clause.complaint, clause.has_duration, clause.has_arrival
    if "logi" in subjects:
        # 送货服务态度差: the service of whoever delivers is the courier's.
        clause.cues = [
            ("courier_attitude", w, t) if sub == "customer_service" else (sub, w, t)
            for sub, w, t in clause.cues
        ]
        if "slow" in preds or (has_duration and has_arrival and "good" not in preds):
            result.add("courier_speed", 2.5 * weight, toks)
        elif "attitude" in preds:
            result.add("courier_attitude", 2.5 * weight, toks)
        elif "bad" in preds:
            result.add("courier_speed", 1.2 * weight, toks)
            result.add("logistics_other", 0.6 * weight, toks)
    if clause.not_received:
        missing = MISSING_THINGS & review.token_set or any(
            c[0] == "wrong_or_missing_item" for c in clause.cues
        )
        if missing:
            result.add("wrong_or_missing_item", 2.0 * weight, toks)
        elif has_duration or "logi" in subjects:
            result.add("courier_speed", 2.5 * weight, toks)
        else:
            result.add("lost_or_misdelivered", 2.2 * weight, toks)
    if "cs" in subjects and complaint and "logi" not in subjects:
        result.add("customer_service", 2.5 * weight, toks)
    # 下单三天才发货 is the seller; 从下单到收货隔了20天 (no 发货, an arrival) is transit.
    seller_ship = clause.has_ship_verb or ("ship" in subjects and not has_arrival)
    if seller_ship and ("slow" in preds or has_duration):
        if "good" not in preds:
            result.add("shipping_delay", 2.6 * weight, toks)
    elif not subjects and "slow" in preds and (has_arrival or has_duration):
        result.add("courier_speed", 1.6 * weight, toks)
    elif (
        has_duration
        and has_arrival
        and "good" not in preds
        and "logi" not in subjects
        and (review.has_logi or "才" in toks or "天才" in toks or "下单" in toks)
    ):
        # 8天才收到, 从下单到收货隔了20天, 不是次日达么？为什么送了4天
        result.add("courier_speed", 2.0 * weight, toks)
    if "速度" in toks and review.has_arrival and not subjects:
        k = toks.index("速度")
        if k == 0 or toks[k - 1] not in DEVICE_SPEED:
            # 收到货的时候都穿外套了，这速度…: the speed of a delivery, not of a device.
            result.add("courier_speed", 1.6 * weight, toks)
    if "logi" in subjects and not ON_TIME.isdisjoint(toks) and not NEGATORS_WIDE.isdisjoint(toks):
        # 没有按照预定的时间送达, 不能按时送货
        result.add("courier_speed", 2.0 * weight, toks)
    if "logi" in subjects and clause.logi_negated and not complaint:
        # 不给我送货了, 没送货上门
        result.add("lost_or_misdelivered", 2.0 * weight, toks)


def _score_goods(clause: _Clause, review: _Review, result: RuleResult) -> None:
    """What was bought: its price, its taste (a book's content above all), its quality, or
    the buyer's own expectation of it; recasts the clause's cues to match."""
    toks, weight, subjects, preds = clause.toks, clause.weight, clause.subjects, clause.preds
    has_book = clause.has_book
    if "price" in subjects and (clause.has_price_high or "bad" in preds):
        result.add("price", 2.0 * weight, toks)
    if "taste" in subjects and ("bad" in preds or "attitude" in preds):
        result.add("dislike_or_expectation", (2.0 if has_book else 1.0) * weight, toks)
    elif has_book and not NEGATORS_WIDE.isdisjoint(toks):
        # 没有深入的分析, 内容没什么新意: what a book lacks is the reader's taste.
        result.add("dislike_or_expectation", 1.5 * weight, toks)
    if has_book:
        # A book's content not to the buyer's taste is buyer_side, even when put as
        # 与书名不符 or 质量差; paper, print and binding stay the product's.
        clause.cues = [
            ("dislike_or_expectation", w, t)
            if sub in CONTENT_CONVERTIBLE and t not in PHYSICAL
            else (sub, w, t)
            for sub, w, t in clause.cues
        ]
    expectation = (
        not review.has_listing
        and not EXPECTATION.isdisjoint(toks)
        and not any(c[0] in DEFECTS for c in clause.cues)
    )
    if expectation:
        # 和想象的不一样, 没有期待的那么好: the buyer's own expectation, not a misdescription,
        # while the review names nothing the listing or the seller claimed.
        clause.cues = [
            ("dislike_or_expectation", w, t) if sub == "not_as_described" else (sub, w, t)
            for sub, w, t in clause.cues
        ]
    elif "product" in subjects and clause.complaint and "logi" not in subjects:
        # 手机拍照一般般 says less than 屏幕太差: a lukewarm verdict is weak evidence.
        vague = preds == {"bad"} and not any(
            PREDICATES.get(t) == "bad" and t not in VAGUE for t in toks
        )
        result.add("quality", (0.7 if vague else 1.4) * weight, toks)
    elif not subjects and "bad" in preds:
        if (
            VAGUE.isdisjoint(toks)
            or len(toks) > 6
            or clause.cues
            or any(PREDICATES.get(t) == "bad" and t not in VAGUE for t in review.tokens)
        ):
            result.add("quality", 0.5 * weight, toks)
        else:
            # 一般吧, 感觉不怎么样: a verdict with nothing named is the buyer's taste.
            result.add("dislike_or_expectation", 1.0 * weight, toks)


def _add_cues(clause: _Clause, result: RuleResult) -> None:
    """The clause's cues, as the steps before left them, weighted by the clause."""
    if clause.size_off:
        # M码那么大, 比尺码表短很多 (not 给我发的40码: a wrong item, above): the size label
        # is the listing's, whatever the clause also says.
        clause.cues.append(("not_as_described", 2.0, _clause_text(clause.toks)))
    weight = clause.weight
    for sub, cue_weight, tok in clause.cues:
        result.add(sub, cue_weight * weight, tok)


def _adjust_across_clauses(tokens: list[str], token_set: set[str], result: RuleResult) -> None:
    """What only the whole review tells: a price drop with a promise broken, the ordered and
    the sent item in different clauses, a price complaint about a flawless item, a slip of
    the rating, a weight short of the label."""
    # 降价 alone is the buyer's regret (the price dropped after they bought, no promise
    # broken); with a broken price-protection promise it is the seller's.
    if "price_regret" in result.scores and token_set & PRICE_PROMISE:
        result.add(
            "price",
            result.scores.pop("price_regret") + 0.5,
            "、".join(result.evidence.pop("price_regret")),
        )
    if (
        "wrong_or_missing_item" not in result.scores
        and not token_set.isdisjoint(SENT_HEADS)
        and "的" in token_set
        and SENT_OTHER.search("".join(tokens))
    ):
        # 点的是小号，寄来的是大号: what was ordered and what came, across a comma.
        result.add("wrong_or_missing_item", 2.2, _clause_text(tokens))
    if "price" in result.scores and token_set.isdisjoint(PROMISE) and _says_no_defect(tokens):
        # 性价比不高，但东西也没坏: not worth it to the buyer, with nothing wrong with it.
        result.add(
            "dislike_or_expectation",
            result.scores.pop("price"),
            "、".join(result.evidence.pop("price")),
        )
    if not token_set.isdisjoint(SLIP) and not token_set.isdisjoint(RATING):
        slip = sorted(token_set & SLIP)
        result.add("misoperation", 3.0, "、".join(slip))
    if not token_set.isdisjoint(WEIGH):
        short = _short_weight(tokens)
        if short:
            result.add("not_as_described", 3.0, short)


def _add_flags(tokens: list[str], token_set: set[str], result: RuleResult) -> None:
    """Flags: a threat to complain (投诉, 12315), and suspected extortion (a bad review held
    over the seller for money). The high-value flag needs the order amount: `classify` sets it."""
    threat = token_set & COMPLAINT_THREAT
    if threat:
        result.flags.append("complaint_threat")
        result.flag_evidence.extend(sorted(threat))
    extortion = token_set & EXTORTION_STRONG
    if (
        not extortion
        and token_set & EXTORTION
        and (token_set & MONEY or any(t[-1] in "块元" and len(t) > 1 for t in token_set))
        and "差评" in "".join(tokens)
    ):
        extortion = token_set & EXTORTION
    if (
        not extortion
        and "差评" in token_set
        and token_set & KEEP_ON
        and (token_set & UNLESS or "不给" in token_set or {"不", "给"} <= token_set)
    ):
        # 不给我退运费，我就一直给差评: a bad review held over the seller as a threat.
        extortion = token_set & (KEEP_ON | UNLESS | {"不给", "差评"})
    if not extortion:
        joined = "".join(tokens)
        found = EXTORTION_PHRASE.search(joined) or COMPETITOR_PHRASE.search(joined)
        if found:
            extortion = {found.group(0)}
    if extortion:
        result.flags.append("extortion_suspected")
        result.flag_evidence.extend(sorted(extortion))
        result.add("malicious", 3.0, "、".join(sorted(extortion)))


def _finish_severity(result: RuleResult, exclamations: int) -> None:
    """Shouting and several grievances at once also make a review serious."""
    severity = result.severity  # the severity words, counted clause by clause
    severity += min(exclamations, 6) * 0.25
    if len([s for s in result.scores.values() if s >= 1.5]) >= 3:
        severity += 0.8
    result.severity = severity
