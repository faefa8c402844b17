"""Rows out of a file, one at a time, whatever its size.

CSV is decoded and streamed line by line; XLSX is read by openpyxl in read-only mode (with
defusedxml installed it refuses XML entity attacks) after the zip archive's member count and
uncompressed size have been checked, so a decompression bomb is refused before any parsing.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

# Archive limits for XLSX. A 100,000-row export is ~40 MB of sheet XML; these leave room.
XLSX_MAX_MEMBERS = 1000
XLSX_MAX_UNCOMPRESSED = 800 * 1024 * 1024
# A member that expands more than this ratio *and* past XLSX_RATIO_FLOOR is a bomb; real sheet
# XML compresses ~10-30x.
XLSX_MAX_RATIO = 200
XLSX_RATIO_FLOOR = 10 * 1024 * 1024

SNIFF_BYTES = 64 * 1024
csv.field_size_limit(1024 * 1024)


class UnreadableFile(Exception):
    """The file cannot be imported at all: one clear message, nothing changed."""


@dataclass
class Sheet:
    kind: str  # "csv" | "xlsx"
    encoding: str  # for CSV; "" for XLSX
    header: list[str]
    rows: Iterator[tuple[int, list]]  # (row number as a spreadsheet shows it, cells)
    estimated_rows: int
    close: object  # callable


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, the superset of GBK that real Chinese exports
    need (some characters in them are not in GBK; DESIGN.md's field notes)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            # The sample may end inside a character: decode incrementally, not final.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    # Neither decodes cleanly: take the one with fewer bad bytes if they are rare (the rows
    # holding them are rejected one by one); otherwise the encoding is beyond recovery.
    best = min(
        ("utf-8", "gb18030"),
        key=lambda enc: (
            codecs.getincrementaldecoder(enc)(errors="replace")
            .decode(sample, final=False)
            .count("\ufffd")
        ),
    )
    bad = (
        codecs.getincrementaldecoder(best)(errors="replace")
        .decode(sample, final=False)
        .count("\ufffd")
    )
    if bad <= max(2, len(sample) // 1000):
        return best
    raise UnreadableFile(
        _(
            "The file's text encoding could not be recognised (UTF-8, UTF-8 with BOM and "
            "GBK/GB18030 are supported)."
        )
    )


def open_sheet(path: str | Path) -> Sheet:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            sample = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableFile(_("The file could not be opened: %(error)s") % {"error": exc}) from exc
    if not sample.strip():
        raise UnreadableFile(_("The file is empty."))
    if sample.startswith(b"PK\x03\x04"):
        return _open_xlsx(path)
    if sample.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _("Old Excel (.xls) files are not supported: save the file as .xlsx or .csv.")
        )
    return _open_csv(path, sample)


def _open_csv(path: Path, sample: bytes) -> Sheet:
    encoding = detect_encoding(sample)
    if "\x00" in sample.decode(encoding, errors="replace") and encoding != "utf-16":
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    # errors="replace": a single bad byte further down must not abort the good rows; a row
    # containing U+FFFD is rejected on its own with a clear reason (see records.py).
    fh = path.open("r", encoding=encoding, errors="replace", newline="")
    first_line = fh.readline()
    fh.seek(0)
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(fh, delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        fh.close()
        raise UnreadableFile(_("The file is empty."))
    estimated = _count_lines(path) - 1

    def rows() -> Iterator[tuple[int, list]]:
        # Row numbers as a spreadsheet shows them: the header is row 1. line_num would count
        # physical lines (a quoted cell may span several).
        number = 1
        for cells in reader:
            number += 1
            yield number, cells

    return Sheet("csv", encoding, header, rows(), max(estimated, 0), fh.close)


def _count_lines(path: Path) -> int:
    # Estimate for the progress bar (a quoted multi-line cell counts double): ~20 ms per 20 MB.
    count = 0
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            count += block.count(b"\n")
    return count


def check_archive(path: Path) -> None:
    """Refuse a zip bomb before openpyxl inflates anything: the central directory states each
    member's uncompressed size; check the count, the total and the ratio first."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(_("This is not a CSV or XLSX file (damaged archive).")) from exc
    if len(members) > XLSX_MAX_MEMBERS:
        raise UnreadableFile(
            _("The XLSX file has %(n)s parts; at most %(max)s are accepted (decompression bomb?).")
            % {"n": len(members), "max": XLSX_MAX_MEMBERS}
        )
    total = sum(m.file_size for m in members)
    too_dense = any(
        m.file_size > XLSX_RATIO_FLOOR and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if total > XLSX_MAX_UNCOMPRESSED or too_dense:
        raise UnreadableFile(
            _("The XLSX file would expand to %(mb)s MB: refused as a possible decompression bomb.")
            % {"mb": total // (1024 * 1024)}
        )
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise UnreadableFile(_("This is not a CSV or XLSX file (a zip archive, but no workbook)."))


def _open_xlsx(path: Path) -> Sheet:
    check_archive(path)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(
            _("The XLSX file could not be read: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    header = next(values, None)
    if not header or not any(cell not in (None, "") for cell in header):
        workbook.close()
        raise UnreadableFile(_("The file is empty."))
    estimated = max((sheet.max_row or 0) - 1, 0)

    def rows() -> Iterator[tuple[int, list]]:
        for number, cells in enumerate(values, start=2):
            yield number, list(cells)

    header_text = ["" if cell is None else str(cell) for cell in header]
    return Sheet("xlsx", "", header_text, rows(), estimated, workbook.close)
