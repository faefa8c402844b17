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
# openpyxl holds an XLSX's shared-string table (every distinct text of the sheet, as Excel and
# WPS write it) in memory whole, even in read-only mode, at 1.3x (long Chinese texts) to 3x
# (short ones) its XML size. 100,000 real review rows make ~35 MB of it.
XLSX_MAX_SHARED_STRINGS = 100 * 1024 * 1024

SNIFF_BYTES = 64 * 1024
# A CSV line (a row, or one line of a multi-line quoted cell) is read at most this many
# characters at a time: a longer one is skipped to its end and reported, never held whole, so
# a file that is one enormous line costs no more memory than this.
MAX_LINE_CHARS = 1024 * 1024
csv.field_size_limit(MAX_LINE_CHARS)
# Real exports have a few dozen columns; thousands mean the file is not an export (and every
# row would cost that many cells).
MAX_COLUMNS = 1000


class UnreadableFile(Exception):
    """The file cannot be imported at all: one clear message, nothing changed."""


class DamagedFile(UnreadableFile):
    """The file cannot be read past some row: the rows before it were imported."""


@dataclass
class BrokenRow:
    """A row that could not even be split into cells: rejected on its own with `reason`."""

    reason: str
    raw: str = ""


class _LineTooLong(Exception):
    pass


class _Lines:
    """The file's lines for csv.reader, each at most MAX_LINE_CHARS long. An overlong line is
    skipped to its end without being held in memory and reported by raising _LineTooLong,
    after which csv.reader goes on with the next line. (A class, not a generator: a generator
    that raised is finished.)"""

    def __init__(self, fh) -> None:
        self.fh = fh

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.fh.readline(MAX_LINE_CHARS)
        if not line:
            raise StopIteration
        if len(line) >= MAX_LINE_CHARS and line[-1] not in "\r\n":
            start = line[:200]
            while (rest := self.fh.readline(MAX_LINE_CHARS)) and rest[-1] not in "\r\n":
                pass
            raise _LineTooLong(start)
        return line


def _line_too_long_message() -> str:
    return _("The row is longer than %(n)s characters and was skipped.") % {
        "n": f"{MAX_LINE_CHARS:,}"
    }


def _check_width(header: list) -> list:
    """Trailing empty header cells dropped (spreadsheets pad rows); too many columns refused."""
    header = list(header)
    while header and header[-1] in (None, ""):
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(
            _(
                "The file has %(n)s columns; at most %(max)s are accepted. A review export has a few dozen: check that this is the right file."
            )
            % {"n": f"{len(header):,}", "max": f"{MAX_COLUMNS:,}"}
        )
    return header


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
    need (some characters in them are not in GBK, and decoding as GBK would fail on them)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # The sample may end inside a character: decode incrementally, not final.
    as_utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=False)
    bad_utf8 = as_utf8.count("\ufffd")
    if not bad_utf8:
        return "utf-8"
    # GB18030 decodes almost any bytes, UTF-8 too: a UTF-8 export with a row or two pasted in
    # from a GBK file stays UTF-8 (those rows are rejected one by one), whereas GBK text read
    # as UTF-8 fails on nearly every Chinese character.
    decoded = sum(1 for char in as_utf8 if ord(char) > 127) - bad_utf8
    if decoded >= bad_utf8:
        return "utf-8"
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return "gb18030"
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
    # Binary data (or UTF-16 without its BOM) is full of NULs; a stray one in a cell is not.
    text = sample.decode(encoding, errors="replace")
    if text.count("\x00") > max(2, len(text) // 100) and encoding != "utf-16":
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    # errors="replace": a single bad byte further down must not abort the good rows; a row
    # containing U+FFFD is rejected on its own with a clear reason (see records.py).
    fh = path.open("r", encoding=encoding, errors="replace", newline="")
    try:
        first_line = fh.readline(MAX_LINE_CHARS)
        fh.seek(0)
        delimiter = max(",\t;", key=first_line.count)
        reader = csv.reader(_Lines(fh), delimiter=delimiter)
        try:
            header = next(reader, None)
        except (_LineTooLong, csv.Error):
            raise UnreadableFile(
                _(
                    "The first line (the column names) is longer than %(n)s characters: this is not a review export."
                )
                % {"n": f"{MAX_LINE_CHARS:,}"}
            ) from None
        if not header or not any(cell.strip() for cell in header):
            raise UnreadableFile(_("The file is empty."))
        header = _check_width(header)
    except BaseException:
        fh.close()
        raise
    estimated = _count_lines(path) - 1

    def rows() -> Iterator[tuple[int, list | BrokenRow]]:
        # Row numbers as a spreadsheet shows them: the header is row 1. line_num would count
        # physical lines (a quoted cell may span several).
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _LineTooLong as exc:
                cells = BrokenRow(_line_too_long_message(), str(exc))
            except csv.Error as exc:
                cells = BrokenRow(
                    _("The row could not be read as CSV (%(error)s).") % {"error": exc}
                )
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


def check_archive(path: Path) -> int:
    """Refuse a zip bomb before openpyxl inflates anything: the central directory states each
    member's uncompressed size; check the count, the total and the ratio first."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception as exc:  # BadZipFile, and OSError/ValueError/EOFError for worse damage
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
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if strings > XLSX_MAX_SHARED_STRINGS:
        raise UnreadableFile(
            _(
                "The XLSX file holds %(mb)s MB of text; at most %(max)s MB are accepted. "
                "Split the export into smaller files, or save it as CSV (UTF-8) and import that."
            )
            % {"mb": strings // (1024 * 1024), "max": XLSX_MAX_SHARED_STRINGS // (1024 * 1024)}
        )
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise UnreadableFile(_("This is not a CSV or XLSX file (a zip archive, but no workbook)."))
    return sum(m.file_size for m in members if m.filename.startswith("xl/worksheets/"))


def _open_xlsx(path: Path) -> Sheet:
    sheet_bytes = check_archive(path)
    import openpyxl

    workbook = None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # A row takes at least ~20 bytes of sheet XML, whatever the <dimension> declares.
        estimated = min(max((sheet.max_row or 0) - 1, 0), sheet_bytes // 20)
        # The sheet's <dimension> is only the file's word: openpyxl pads every row to its
        # width and yields every row up to its height, so a 2 KB file declaring A1:XFD1048576
        # kept a worker busy for hours. Without it, rows are as long as their own cells and a
        # missing row costs nothing.
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        if workbook is not None:
            workbook.close()
        raise UnreadableFile(
            _("The XLSX file could not be read: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    if not header or not any(cell not in (None, "") for cell in header):
        workbook.close()
        raise UnreadableFile(_("The file is empty."))
    try:
        header = _check_width(header)
    except UnreadableFile:
        workbook.close()
        raise

    def rows() -> Iterator[tuple[int, list]]:
        number = 1
        while True:
            try:
                cells = next(values)
            except StopIteration:
                return
            except Exception as exc:  # damaged XML further down: nothing after it is readable
                raise DamagedFile(
                    _("The XLSX file is damaged from row %(row)s on: %(error)s")
                    % {"row": number + 1, "error": str(exc)[:200]}
                ) from exc
            number += 1
            if cells:  # a row missing from the XML comes as an empty one: blank, skipped
                yield number, list(cells)

    header_text = ["" if cell is None else str(cell) for cell in header]
    return Sheet("xlsx", "", header_text, rows(), estimated, workbook.close)
