"""English reviews (eBay): a small lexicon of their own, or triage — never a confident guess.

The Chinese rules and model see an English review as letters they have no words for; they
used to answer `product_service/quality` at 0.57. Here each cause has phrases buyers write;
one cause's phrases alone decide it (the sub-cause from which phrase matched), several or
none send the review to triage with the cause `unclear`.
"""

import re

ENGLISH_CONFIDENCE = 0.9  # one cause named: classified automatically
TRIAGE_CONFIDENCE = 0.2  # below any threshold: a person decides

# (cause, sub-cause, pattern); the first pattern of a cause that matches gives its sub-cause.
_CUES = [
    (
        "logistics",
        "lost_or_misdelivered",
        r"never (arrived|received|came|got it)|lost in the "
        r"(post|mail)|(lost|losing) (it|the parcel|the package)|wrong (address|house|door)|"
        r"left at (the )?wrong|delivered (it )?to the wrong|tracking .*never updated|"
        r"parcel was lost",
    ),
    (
        "logistics",
        "courier_attitude",
        r"(driver|courier|delivery (guy|man|person)|postman)"
        r".{0,40}(rude|threw|thrown|refused|never knocked|didn'?t knock|left a card)|"
        r"(rude|threw) .{0,20}(driver|courier)",
    ),
    (
        "logistics",
        "courier_speed",
        r"(shipping|delivery|transit|post|courier|carrier)"
        r".{0,30}(slow|forever|took (over )?(a )?(month|week)|weeks|stuck|delayed)|"
        r"took (over )?(a|two|three) (month|week)s? to (get|arrive)|stuck at customs|in transit",
    ),
    (
        "product_service",
        "damaged",
        r"arrived (broken|damaged|cracked|smashed)|\b(broken|"
        r"cracked|shattered|crushed|dented|scratch(es|ed))\b|damaged",
    ),
    (
        "product_service",
        "not_as_described",
        r"not as (described|pictured|advertised)|"
        r"nothing like the (picture|photo)s?|\b(fake|counterfeit|knock-?off|replica)\b|"
        r"listing (said|says|claimed)|used not new|doesn'?t fit .{0,30}listing",
    ),
    (
        "product_service",
        "wrong_or_missing_item",
        r"wrong (item|colou?r|size|model) "
        r"(sent|received)|(sent|got) (me )?the wrong|\bmissing\b|only \d+ of",
    ),
    (
        "product_service",
        "customer_service",
        r"seller (never|won'?t|didn'?t|refused)|"
        r"refund refused|refused (a )?(return|refund)|no response|avoid this seller",
    ),
    (
        "product_service",
        "shipping_delay",
        r"(seller )?took .{0,15} to ship|slow to dispatch|"
        r"dispatch(ed)? late",
    ),
    ("product_service", "price", r"overpriced|not worth the (money|price)"),
    (
        "product_service",
        "quality",
        r"stopped working|(poor|bad|terrible|cheap) quality|"
        r"\bjunk\b|defective|faulty|won'?t turn on|doesn'?t work|fell apart|came apart|broke|"
        r"dies in|smells",
    ),
    (
        "buyer_side",
        "ordered_wrong",
        r"(i|my mistake,? i) ordered the wrong|wrong (size|model)"
        r" by mistake|my (mistake|fault)",
    ),
    (
        "buyer_side",
        "misoperation",
        r"by accident|wrong rating|meant to leave positive|"
        r"clicked the wrong",
    ),
    ("buyer_side", "price_regret", r"price dropped|cheaper (now|elsewhere) (the )?(day|week)"),
    (
        "buyer_side",
        "dislike_or_expectation",
        r"changed my mind|not for me|don'?t like the|"
        r"didn'?t like the|personal preference|not what i (imagined|expected)|"
        r"(smaller|bigger) than i expected|exactly as (listed|described)|nothing wrong with",
    ),
]
_COMPILED = [(cause, sub, re.compile(p)) for cause, sub, p in _CUES]
VERSION = "english-lexicon-1"


_HAN = re.compile("[\u4e00-\u9fff]")
_LATIN = re.compile("[A-Za-z]{3}")


def is_english(text: str) -> bool:
    """A run of Latin letters and no Chinese at all (regexes: this runs on every review)."""
    return _HAN.search(text) is None and _LATIN.search(text) is not None


def classify(text: str) -> tuple[str, str, str, float, list[str]]:
    """(cause, sub-cause, severity, confidence, evidence) of an English review."""
    lowered = text.lower()
    found: dict[str, tuple[str, str]] = {}
    for cause, sub, pattern in _COMPILED:
        if cause not in found:
            m = pattern.search(lowered)
            if m:
                found[cause] = (sub, m.group(0))
    if "buyer_side" in found and (
        "nothing wrong" in lowered or "my fault" in lowered or "my mistake" in lowered
    ):
        found = {"buyer_side": found["buyer_side"]}
    if len(found) == 1:
        ((cause, (sub, words)),) = found.items()
        return cause, sub, _severity(lowered), ENGLISH_CONFIDENCE, [words]
    evidence = [w for _s, w in found.values()]
    return "unclear", "unclear", _severity(lowered), TRIAGE_CONFIDENCE, evidence


_SERIOUS = re.compile(
    r"\b(fake|counterfeit|scam|fraud|report(ed)?|paypal claim|avoid|never "
    r"again|rude|refused)\b|!!"
)


def _severity(lowered: str) -> str:
    return "serious" if _SERIOUS.search(lowered) else "minor"
