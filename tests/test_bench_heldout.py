"""The held-out tables of `make bench` are well formed: the right columns, parseable "now" and
expected minutes, real zones, legal expected values, no duplicate rows, the sizes and spread the
measurement promises.

Only the shape is checked here. The parser and the wording check are never run against these
rows in the suite, so nobody tunes the code on them by making tests pass.
"""

import csv
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.test import SimpleTestCase

HELDOUT = Path(__file__).resolve().parent.parent / "bench" / "heldout"
# A minute with its offset, as written in the tables: 2026-12-02T10:00+08:00.
MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def _read(name: str, columns: list[str]) -> list[dict[str, str]]:
    path = HELDOUT / name
    with path.open(encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    header, body = lines[0].split("\t"), lines[1:]
    if header != columns:
        raise AssertionError(f"{name}: header {header}, expected {columns}")
    rows = []
    for number, line in enumerate(body, start=2):
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise AssertionError(f"{name} line {number}: {len(cells)} cells in {line!r}")
        rows.append(dict(zip(columns, cells, strict=True)))
    # The benches read the file with the csv module: it must see the same rows.
    with path.open(encoding="utf-8", newline="") as f:
        parsed = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if parsed != rows:
        raise AssertionError(f"{name}: the csv module reads different rows")
    return rows


def _minute(text: str, where: str) -> datetime:
    if not MINUTE.match(text):
        raise AssertionError(f"{where}: {text!r} is not an ISO minute with an offset")
    return datetime.fromisoformat(text)


class TimePhraseTableTests(SimpleTestCase):
    name = "timephrases.tsv"

    def setUp(self):
        self.rows = _read(self.name, ["phrase", "now", "tz", "expected"])

    def test_it_has_enough_rows_of_each_kind(self):
        kinds = Counter(
            r["expected"] if r["expected"] in ("refuse", "ambiguous") else "minute"
            for r in self.rows
        )
        self.assertGreaterEqual(len(self.rows), 200)
        self.assertGreaterEqual(kinds["minute"], 150)
        self.assertGreaterEqual(kinds["refuse"], 40)
        self.assertGreaterEqual(kinds["ambiguous"], 5)

    def test_each_row_is_a_phrase_a_now_a_zone_and_a_legal_answer(self):
        for number, row in enumerate(self.rows, start=2):
            where = f"{self.name} line {number}"
            with self.subTest(where):
                self.assertEqual(row["phrase"], row["phrase"].strip())
                self.assertTrue(row["phrase"], where)
                now = _minute(row["now"], where)
                try:
                    tz = ZoneInfo(row["tz"])
                except (ZoneInfoNotFoundError, ValueError) as exc:
                    raise AssertionError(f"{where}: {row['tz']!r} is not a zone") from exc
                if row["expected"] in ("refuse", "ambiguous"):
                    continue
                expected = _minute(row["expected"], where)
                # Always in the future, written in the buyer's own offset at that instant.
                self.assertGreater(expected, now, where)
                self.assertEqual(expected.utcoffset(), expected.astimezone(tz).utcoffset(), where)

    def test_rows_are_not_repeated(self):
        keys = Counter((r["phrase"], r["now"], r["tz"]) for r in self.rows)
        self.assertEqual([k for k, n in keys.items() if n > 1], [])

    def test_it_covers_several_nows_and_a_zone_with_daylight_saving(self):
        nows = {r["now"] for r in self.rows}
        self.assertGreaterEqual(len(nows), 4)
        self.assertIn("America/New_York", {r["tz"] for r in self.rows})


class SecondRoundTimePhraseTableTests(TimePhraseTableTests):
    name = "timephrases_2.tsv"


class ThirdRoundTimePhraseTableTests(TimePhraseTableTests):
    name = "timephrases_3.tsv"


class ComplianceTableTests(SimpleTestCase):
    name = "compliance.tsv"

    def setUp(self):
        self.rows = _read(self.name, ["text", "expected"])

    def test_it_has_enough_messages_each_way(self):
        kinds = Counter(r["expected"] for r in self.rows)
        self.assertEqual(set(kinds), {"refuse", "pass"})
        self.assertGreaterEqual(len(self.rows), 120)
        self.assertGreaterEqual(kinds["refuse"], 50)
        self.assertGreaterEqual(kinds["pass"], 50)

    def test_each_message_is_a_text_once(self):
        texts = [r["text"] for r in self.rows]
        self.assertTrue(all(t and t == t.strip() for t in texts))
        self.assertEqual([t for t, n in Counter(texts).items() if n > 1], [])


class SecondRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_2.tsv"


class ThirdRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_3.tsv"


class FourthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_4.tsv"


class FifthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_5.tsv"


class SixthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_6.tsv"


class SeventhRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_7.tsv"


class EighthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_8.tsv"


class NinthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_9.tsv"


class TenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_10.tsv"


class EleventhRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_11.tsv"


class TwelfthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_12.tsv"


class ThirteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_13.tsv"


class FourteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_14.tsv"


class FifteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_15.tsv"


class SixteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_16.tsv"


class SeventeenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_17.tsv"


class EighteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_18.tsv"


class NineteenthRoundComplianceTableTests(ComplianceTableTests):
    name = "compliance_19.tsv"


class Round20ComplianceTableTests(ComplianceTableTests):
    name = "compliance_20.tsv"


class Round21ComplianceTableTests(ComplianceTableTests):
    name = "compliance_21.tsv"


class Round22ComplianceTableTests(ComplianceTableTests):
    name = "compliance_22.tsv"


class Round23ComplianceTableTests(ComplianceTableTests):
    name = "compliance_23.tsv"


class Round24ComplianceTableTests(ComplianceTableTests):
    name = "compliance_24.tsv"


class Round25ComplianceTableTests(ComplianceTableTests):
    name = "compliance_25.tsv"


class Round26ComplianceTableTests(ComplianceTableTests):
    name = "compliance_26.tsv"


class Round27ComplianceTableTests(ComplianceTableTests):
    name = "compliance_27.tsv"


class Round28ComplianceTableTests(ComplianceTableTests):
    name = "compliance_28.tsv"


class Round29ComplianceTableTests(ComplianceTableTests):
    name = "compliance_29.tsv"


class Round30ComplianceTableTests(ComplianceTableTests):
    name = "compliance_30.tsv"


class Round31ComplianceTableTests(ComplianceTableTests):
    name = "compliance_31.tsv"


class Round32ComplianceTableTests(ComplianceTableTests):
    name = "compliance_32.tsv"


class Round33ComplianceTableTests(ComplianceTableTests):
    name = "compliance_33.tsv"


class Round34ComplianceTableTests(ComplianceTableTests):
    name = "compliance_34.tsv"


class Round35ComplianceTableTests(ComplianceTableTests):
    name = "compliance_35.tsv"


class Round36ComplianceTableTests(ComplianceTableTests):
    name = "compliance_36.tsv"


class RoundsDoNotOverlapTests(SimpleTestCase):
    """A held-out row that is also in a table the suite runs is no longer held out."""

    def test_no_held_out_row_is_in_the_test_tables(self):
        tests = Path(__file__).resolve().parent / "outreach"
        with (tests / "timephrases_more.tsv").open(encoding="utf-8") as f:
            tuned = {tuple(line.split("\t")[:3]) for line in f.read().splitlines()[1:]}
        with (tests / "compliance_messages.tsv").open(encoding="utf-8") as f:
            tuned |= {line.split("\t")[0] for line in f.read().splitlines()[1:]}
        for name, columns in (
            ("timephrases.tsv", ["phrase", "now", "tz", "expected"]),
            ("timephrases_2.tsv", ["phrase", "now", "tz", "expected"]),
            ("timephrases_3.tsv", ["phrase", "now", "tz", "expected"]),
        ):
            rows = _read(name, columns)
            self.assertEqual([r for r in rows if (r["phrase"], r["now"], r["tz"]) in tuned], [])
        rounds = ("compliance.tsv", "compliance_2.tsv", "compliance_3.tsv", "compliance_4.tsv")
        for name in (*rounds, "compliance_5.tsv", "compliance_6.tsv", "compliance_7.tsv"):
            rows = _read(name, ["text", "expected"])
            self.assertEqual([r for r in rows if r["text"] in tuned], [])

    def test_the_measuring_rounds_are_not_in_what_the_second_opinion_learned(self):
        # train_compliance_model learns from the test tables and rounds 1–34: a row of those
        # in round 35 or 36 would be measured on what the model was fitted to.
        from outreach.management.commands.train_compliance_model import TABLES, labelled_messages

        learned = {text for text, _ in labelled_messages()}
        measuring = ("compliance_35.tsv", "compliance_36.tsv")
        self.assertFalse([t.name for t in TABLES if t.name in measuring])
        for name in measuring:
            rows = _read(name, ["text", "expected"])
            self.assertEqual([r for r in rows if r["text"] in learned], [])
