"""The importer against generated and hostile files, through its public surface.

- Any bytes, any CSV text in any supported encoding: `inspect_file` either maps the header or
  raises `UnreadableFile`; every row then becomes a record, a rejection or a skipped blank —
  no other exception.
- Files of valid rows mixed with broken ones (bad ratings, times, amounts, blank text,
  over-long ids, rows pasted in from another encoding, formulas, huge cells) imported with
  `manage.py import_reviews`: every valid row is stored exactly as written, every broken row
  is reported with its row number, and stored + reported == rows.
"""

import codecs
import io
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from django.core.management import CommandError, call_command
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from reviews.ingest.batches import inspect_file
from reviews.ingest.headers import _LOOKUP, ALIASES, normalise
from reviews.ingest.readers import UnreadableFile
from reviews.ingest.records import Record, Rejection, record_from_cells
from reviews.models import ImportBatch, ImportRowError, Platform, Review, Shop

SHANGHAI = ZoneInfo("Asia/Shanghai")
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030"]


def _aliases(field: str) -> list[str]:
    """The names that really map to `field` (one name may be shadowed by another field's)."""
    return [name for name in ALIASES[field] if _LOOKUP[normalise(name)] == field]


def _write(directory: str, name: str, data: bytes) -> Path:
    path = Path(directory) / name
    path.write_bytes(data)
    return path


def _parse_all(path: Path) -> list:
    """What an import does with the file, short of writing: header, then every row."""
    sheet, header = inspect_file(path)
    try:
        return [
            record_from_cells(number, cells, header, SHANGHAI, month_first=False)
            for number, cells in sheet.rows
        ]
    finally:
        sheet.close()


def _must_be_read_or_refused(path: Path) -> None:
    try:
        parsed = _parse_all(path)
    except UnreadableFile as exc:
        assert str(exc).strip()
        return
    for item in parsed:
        assert item is None or isinstance(item, Record | Rejection), item
        if isinstance(item, Rejection):
            assert item.errors and all(reason.strip() for _c, reason in item.errors)


# No database: any input is read or refused.

header_line = st.lists(
    st.sampled_from(sum((_aliases(f) for f in ALIASES), []) + ["备注", "", "=1+1", "@x"]),
    min_size=1,
    max_size=12,
)
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["差评", "5", "★☆☆☆☆", "2024-11-12 10:31", "=cmd|' /C calc'!A0", '"', "\r"]),
)


@given(data=st.binary(max_size=3000), prefix=st.sampled_from([b"", b"PK\x03\x04", codecs.BOM_UTF8]))
def test_any_bytes_are_read_or_refused(data, prefix):
    with tempfile.TemporaryDirectory() as tmp:
        _must_be_read_or_refused(_write(tmp, "x.csv", prefix + data))


@given(
    header=header_line,
    rows=st.lists(st.lists(cell, max_size=14), max_size=15),
    encoding=st.sampled_from(ENCODINGS + ["utf-16"]),
    delimiter=st.sampled_from([",", "\t", ";"]),
    junk=st.binary(max_size=200),
)
def test_any_csv_text_in_any_encoding_is_read_or_refused(header, rows, encoding, delimiter, junk):
    text = "\n".join(delimiter.join(line) for line in [header, *rows])
    data = text.encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as tmp:
        _must_be_read_or_refused(_write(tmp, "x.csv", data))
        _must_be_read_or_refused(_write(tmp, "y.csv", data + junk + data[len(data) // 2 :]))


@given(header=header_line, rows=st.lists(st.lists(cell, max_size=14), max_size=10))
def test_any_xlsx_is_read_or_refused(header, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in [header, *rows]:
        sheet.append([_xml_safe(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        _must_be_read_or_refused(_write(tmp, "x.xlsx", data))
        # The same archive cut short, and with bytes flipped in the middle.
        _must_be_read_or_refused(_write(tmp, "cut.xlsx", data[: len(data) * 2 // 3]))
        middle = len(data) // 2
        flipped = data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 40])
        _must_be_read_or_refused(_write(tmp, "flip.xlsx", flipped + data[middle + 40 :]))


def _xml_safe(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _read_back_from_xlsx(value: str) -> str:
    """A cell's text after a trip through an XLSX: openpyxl drops what XML cannot hold, and
    every XML parser reads a carriage return (alone or before a line feed) as a line feed
    (XML 1.0, end-of-line handling): a buyer's line break stays a line break."""
    return _xml_safe(value).replace("\r\n", "\n").replace("\r", "\n")


# With the database: valid rows are stored, broken ones reported, none lost.

VALID_RATINGS = {
    "差评": "negative",
    "中评": "neutral",
    "好评": "positive",
    "Negative": "negative",
    "neutral": "neutral",
    "1": "negative",
    "3": "neutral",
    "5星": "positive",
    "2分": "negative",
    "★☆☆☆☆": "negative",
    "★★★☆☆": "neutral",
}
TIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%dT%H:%M:%S+08:00",
]
FORMULAS = ["=1+1", "+86 138 0000 0000", "-坏了", "@SUM(A1:A9)", '=HYPERLINK("http://x","点")']

review_text = st.one_of(
    st.text(min_size=1, max_size=120),
    st.sampled_from(FORMULAS),
    st.text(alphabet="差评质量快递慢，。！ ", min_size=1, max_size=40),
).filter(lambda t: _xml_safe(t).replace("\x00", "").strip() and "\ufffd" not in t)


@st.composite
def valid_row(draw) -> dict:
    when = draw(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)))
    return {
        "rating": draw(st.sampled_from(sorted(VALID_RATINGS))),
        "text": draw(review_text),
        "reviewed_at": when.strftime(draw(st.sampled_from(TIME_FORMATS))),
        "amount": draw(st.sampled_from(["", "¥1,299.00", "89元", "12.5"])),
        "buyer_nick": draw(st.text(alphabet="abc买家_-1", max_size=12)),
    }


BREAKAGES = {
    "rating": ["很好吧", "6星", "0", "", "★★★★★★"],
    "text": ["", "   "],
    "reviewed_at": ["昨天", "2024-13-45 10:00", "1999-12-31 10:00", "", "1" + " " * 5000 + "1"],
    "amount": ["abc", "-5", "1e999"],
    "review_id": ["x" * 101],
}


@st.composite
def broken_row(draw) -> tuple[dict, str]:
    row = draw(valid_row())
    field = draw(st.sampled_from(sorted(BREAKAGES)))
    row[field] = draw(st.sampled_from(BREAKAGES[field]))
    return row, field


@st.composite
def export(draw) -> dict:
    """Rows as (kind, fields), kind 'valid', 'broken' or 'foreign' (another encoding)."""
    valid = draw(st.lists(valid_row(), min_size=1, max_size=12))
    broken = draw(st.lists(broken_row(), max_size=6))
    foreign = draw(st.lists(valid_row(), max_size=3))
    rows = [("valid", r, "") for r in valid] + [("broken", r, f) for r, f in broken]
    rows += [("foreign", {**r, "rating": "差评"}, "") for r in foreign]
    order = draw(st.permutations(range(len(rows))))
    columns = {f: draw(st.sampled_from(_aliases(f))) for f in ("review_id", *valid[0])}
    return {
        "rows": [rows[i] for i in order],
        "columns": columns,
        "encoding": draw(st.sampled_from(ENCODINGS)),
        "kind": draw(st.sampled_from(["csv", "csv", "xlsx"])),
        "blank_lines": draw(st.booleans()),
    }


@override_settings(LANGUAGE_CODE="en")
class ImportPropertiesTestCase(HypothesisTestCase):
    @settings(max_examples=max(8, settings.default.max_examples // 4))
    @given(spec=export())
    def test_every_valid_row_is_stored_and_every_broken_row_reported(self, spec):
        shop = Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)
        fields = list(spec["columns"])
        ids, expected, numbers = [], {}, {}
        lines = [[spec["columns"][f] for f in fields]]
        for n, (kind, row, _field) in enumerate(spec["rows"]):
            review_id = row.pop("review_id", None) or f"R{n}"
            lines.append([review_id] + [row[f] for f in fields[1:]])
            # The spreadsheet row number: blank lines count, though they are skipped.
            step = 2 if spec["blank_lines"] and spec["kind"] == "csv" else 1
            numbers[review_id] = 1 + step * (len(lines) - 1)
            if kind == "valid":
                expected[review_id] = row
            ids.append((kind, review_id))
        with tempfile.TemporaryDirectory() as tmp:
            if spec["kind"] == "xlsx":
                path = self._xlsx(tmp, lines)
            else:
                path = self._csv(tmp, lines, spec, ids)
            data = path.read_bytes()
            note = (spec["kind"], spec["encoding"], data[:300])
            try:
                call_command("import_reviews", str(path), "--shop", "alpha", stdout=io.StringIO())
            except CommandError as exc:
                # Only a file mixing encodings may be refused whole (one clear message,
                # nothing stored): when too much of it is in the other one to tell.
                assert any(kind == "foreign" for kind, _i in ids), (str(exc), note)
                assert "encoding" in str(exc) or "No column" in str(exc), str(exc)
                assert not ImportBatch.objects.exists() and not Review.objects.exists()
                return

        batch = ImportBatch.objects.get()
        stored = {r.platform_review_id: r for r in Review.objects.filter(shop=shop)}
        reported = set(ImportRowError.objects.filter(batch=batch).values_list("row", flat=True))
        positive = {i for i, row in expected.items() if VALID_RATINGS[row["rating"]] == "positive"}
        foreign = {
            i: r
            for (kind, r, _f), (_k, i) in zip(spec["rows"], ids, strict=True)
            if kind == "foreign"
        }
        for review_id, row in foreign.items():
            # Written in another encoding than the file's: rejected as undecodable, or (when
            # the file's own text is ASCII, so either reading fits) stored as written; never
            # stored garbled. In XLSX there is no encoding to get wrong.
            if review_id in stored or spec["kind"] == "xlsx":
                expected[review_id] = row
        for review_id, row in expected.items():
            if review_id in positive:
                assert review_id not in stored and numbers[review_id] not in reported
                continue
            assert review_id in stored, (review_id, row, batch.message, note)
            review = stored[review_id]
            written = _read_back_from_xlsx(row["text"]) if spec["kind"] == "xlsx" else row["text"]
            assert review.text == written.replace("\x00", "").strip(), note
            assert review.rating == VALID_RATINGS[row["rating"]]
        for kind, review_id in ids:
            if kind == "broken" or (kind == "foreign" and review_id not in expected):
                assert numbers[review_id] in reported, (kind, review_id, note)
                assert review_id not in stored
        rows = len(spec["rows"])
        assert batch.status == "done", batch.message
        assert batch.processed_rows == rows
        assert batch.created + batch.positive + batch.rejected == rows
        assert batch.rejected == len(reported)

    def _csv(self, tmp: str, lines: list[list[str]], spec: dict, ids: list) -> Path:
        import csv

        encoding = spec["encoding"]
        other = "gb18030" if encoding.startswith("utf-8") else "utf-8"
        out = io.BytesIO()
        if encoding == "utf-8-sig":
            out.write(codecs.BOM_UTF8)
        kinds = ["header"] + [kind for kind, _i in ids]
        for kind, line in zip(kinds, lines, strict=True):
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n").writerow(line)
            out.write(
                text.getvalue().encode(other if kind == "foreign" else encoding.replace("-sig", ""))
            )
            if spec["blank_lines"]:
                out.write(b"\r\n")  # blank rows are skipped, not counted
        return _write(tmp, "export.csv", out.getvalue())

    def _xlsx(self, tmp: str, lines: list[list[str]]) -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for line in lines:
            sheet.append([_xml_safe(v) for v in line])
            for c in sheet[sheet.max_row]:
                c.data_type = "s"  # text as text: "=1+1" is a review, not a formula
        path = Path(tmp) / "export.xlsx"
        workbook.save(path)
        return path
