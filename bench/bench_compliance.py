"""Held-out measurement of the reward-for-review check (`outreach.wording.compliance_problem`).

The messages in bench/heldout/compliance*.tsv were written by colleagues who had not read the
check or its tests. Rounds 1–17 were then read to improve the rules and train the learned second
opinion (outreach/second_opinion.py, `manage.py train_compliance_model`): their figures are
regression figures only (rounds 8 and 9, measured once before being read, with the second
opinion trained on rounds 1–7: 231 of 240 trades refused, 218 of 240 ordinary messages
passed; rounds 10 and 11, measured once with it trained on rounds 1–9: 236 of 240 refused, 228
of 239 passed). Rounds 12 and 13, measured once with the
second opinion trained on rounds 1–11: 236 of 240 refused, 224 of 239 passed; they were then
read. Rounds 14 and 15, measured once with it trained on rounds 1–13 (thresholds chosen by
leaving one round out): 233 of 240 refused, 224 of 240 passed; then read. Rounds 16 and 17,
measured once with it trained on rounds 1–15: 233 of 240 refused, 226 of 240 passed. They were then
read too; rounds 18 and 19, measured once with it trained on rounds 1–17: 237 of 240 refused,
235 of 240 passed; rounds 20 and 21 the same: 234 of 240 refused, 231 of 240 passed. All four
were then read; round 22, measured once with it trained on rounds 1–21: 117 of 120 refused,
120 of 120 passed, then read; rounds 23 and 24, measured once with it trained on rounds 1–22:
230 of 240 refused, 226 of 235 passed, then read; rounds 25 and 26, measured once with it trained
on rounds 1–24: 237 of 240 refused, 233 of 237 passed, then read; rounds 27 and 28, measured
once with it trained on rounds 1–26: 238 of 240 refused, 233 of 236 passed, then read; rounds 29
and 30, measured once with it trained on rounds 1–28: 232 of 240 refused, 231 of 235 passed, then
read; rounds 31 and 32, measured once with it trained on rounds 1–30: 239 of 240 refused, 234 of
236 passed, then read; rounds 33 and 34, measured once with it trained on rounds 1–32: 230 of 240
refused, 228 of 235 passed (round 33 was asked for what a careful rule-writer would still miss:
new review acts such as video, live-stream comments, 问大家 answers and 小红书 notes), then read.
Rounds 35 and 36 measure the check trained on rounds 1–34 (measured once: 230 of 238 refused,
231 of 234 passed; round 35 as hard as its writer could make it, round 36 a realistic month).
Figures of round N carry `rN_`. In each round about half tie a
reward (refund, red packet, cash, a transfer, coupon, gift, free shipping, a surprise, points,
a free order) to a better, changed, removed or added review,
rating, follow-up review or photo review, in Chinese and English; the other half are ordinary
after-sales messages that must pass (an apology with a coupon not tied to the review, a
partial refund for a defect, a polite request to revise once the problem is solved, the
revision steps, reshipping, returns).

Figures: `compliance_refused_correctly` (target: all the `refuse` rows),
`compliance_passed_correctly` (target: all the `pass` rows), `compliance_misses` (target 0).
Every miss is printed with the reason the check gave.
"""

import csv
from pathlib import Path

HELDOUT = Path(__file__).resolve().parent / "heldout"
TABLES = {
    "": HELDOUT / "compliance.tsv",
    "r2_": HELDOUT / "compliance_2.tsv",
    "r3_": HELDOUT / "compliance_3.tsv",
    "r4_": HELDOUT / "compliance_4.tsv",
    "r5_": HELDOUT / "compliance_5.tsv",
    "r6_": HELDOUT / "compliance_6.tsv",
    "r7_": HELDOUT / "compliance_7.tsv",
    "r8_": HELDOUT / "compliance_8.tsv",
    "r9_": HELDOUT / "compliance_9.tsv",
    "r10_": HELDOUT / "compliance_10.tsv",
    "r11_": HELDOUT / "compliance_11.tsv",
    "r12_": HELDOUT / "compliance_12.tsv",
    "r13_": HELDOUT / "compliance_13.tsv",
    "r14_": HELDOUT / "compliance_14.tsv",
    "r15_": HELDOUT / "compliance_15.tsv",
    "r16_": HELDOUT / "compliance_16.tsv",
    "r17_": HELDOUT / "compliance_17.tsv",
    "r18_": HELDOUT / "compliance_18.tsv",
    "r19_": HELDOUT / "compliance_19.tsv",
    "r20_": HELDOUT / "compliance_20.tsv",
    "r21_": HELDOUT / "compliance_21.tsv",
    "r22_": HELDOUT / "compliance_22.tsv",
    "r23_": HELDOUT / "compliance_23.tsv",
    "r24_": HELDOUT / "compliance_24.tsv",
    "r25_": HELDOUT / "compliance_25.tsv",
    "r26_": HELDOUT / "compliance_26.tsv",
    "r27_": HELDOUT / "compliance_27.tsv",
    "r28_": HELDOUT / "compliance_28.tsv",
    "r29_": HELDOUT / "compliance_29.tsv",
    "r30_": HELDOUT / "compliance_30.tsv",
    "r31_": HELDOUT / "compliance_31.tsv",
    "r32_": HELDOUT / "compliance_32.tsv",
    "r33_": HELDOUT / "compliance_33.tsv",
    "r34_": HELDOUT / "compliance_34.tsv",
    "r35_": HELDOUT / "compliance_35.tsv",
    "r36_": HELDOUT / "compliance_36.tsv",
}


def load_rows(table: Path) -> list[dict[str, str]]:
    with table.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def run() -> dict[str, dict]:
    figures = {}
    for round_, table in TABLES.items():
        print(f"   {table.name}:")
        for name, figure in measure(table).items():
            figures[name.replace("compliance_", f"compliance_{round_}", 1)] = figure
    return figures


def measure(table: Path) -> dict[str, dict]:
    from outreach.wording import compliance_problem

    rows = load_rows(table)
    to_refuse = [r for r in rows if r["expected"] == "refuse"]
    to_pass = [r for r in rows if r["expected"] == "pass"]
    let_through: list[dict[str, str]] = []
    blocked: list[tuple[dict[str, str], str]] = []
    for row in to_refuse:
        if not compliance_problem(row["text"]):
            let_through.append(row)
    for row in to_pass:
        reason = compliance_problem(row["text"])
        if reason:
            blocked.append((row, reason))

    print(f"   {len(rows)} messages: {len(to_refuse)} to refuse, {len(to_pass)} to pass")
    print(f"   reward for a review LET THROUGH: {len(let_through)}")
    for row in let_through:
        print(f"     {row['text']!r}: expected refuse, got pass")
    print(f"   ordinary messages blocked: {len(blocked)}")
    for row, reason in blocked:
        print(f"     {row['text']!r}: expected pass, got refuse ({reason})")
    return {
        "compliance_refused_correctly": {
            "value": len(to_refuse) - len(let_through),
            "unit": f"of {len(to_refuse)}",
            "target": len(to_refuse),
        },
        "compliance_passed_correctly": {
            "value": len(to_pass) - len(blocked),
            "unit": f"of {len(to_pass)}",
            "target": len(to_pass),
        },
        "compliance_misses": {
            "value": len(let_through) + len(blocked),
            "unit": "messages",
            "target": 0,
        },
    }
