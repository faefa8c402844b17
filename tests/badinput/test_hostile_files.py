"""Hostile files, each refused quickly with a clear message and bounded memory: an XLSX
decompression bomb (2 GiB of sheet XML in a ~6 MB file), a 1 GB upload (streamed, never built),
a CSV of 10,000 columns and a CSV that is one enormous line. Memory is measured as the growth
of this process's peak RSS and of Python's traced allocations; time by the wall clock."""

import io
import random
import resource
import shutil
import struct
import tempfile
import time
import tracemalloc
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.urls import reverse

from reviews.ingest.readers import MAX_COLUMNS
from reviews.models import ImportBatch, Review

from ..base import BaseTestCase

MB = 1024 * 1024
MEMORY_BOUND = 200 * MB
TIME_BOUND_S = 10


@contextmanager
def bounded(test, *, seconds: float = TIME_BOUND_S, memory: int = MEMORY_BOUND, trace=True):
    """Fails the test when the block takes longer than `seconds` or grows the process's
    peak RSS (or, with `trace`, Python's peak traced allocation) by more than `memory` bytes.
    (tracemalloc slows a loop of a million iterations twentyfold: `trace=False` there.)"""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if trace:
        tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    test.assertLess(elapsed, seconds, f"took {elapsed:.1f} s")
    test.assertLess(traced_peak, memory, f"Python allocated up to {traced_peak / MB:.0f} MB")
    test.assertLess(rss_growth, memory, f"peak RSS grew by {rss_growth / MB:.0f} MB")


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip archive from already-deflated members: (name, deflated, crc, size, method)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size, method in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
            )
        )
        out.write(encoded + data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                method,
                0,
                0,
                crc,
                len(data),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
        )
        central.write(encoded)
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0
        )
    )
    return out.getvalue()


def _xlsx_of_repeats(
    member: str, block: bytes, expanded: int, declared: int | None = None
) -> bytes:
    """An archive with a workbook and `member` holding `block` repeated to about `expanded`
    bytes, compressed once with a full flush (which resets the compressor's state, so the same
    bytes repeated are a valid stream of the block repeated); its size is declared honestly
    unless `declared` says otherwise."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    repeats = expanded // len(block)
    crc = 0
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    size = repeats * len(block) if declared is None else declared
    workbook = b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    return _zip(
        [
            ("xl/workbook.xml", workbook, zlib.crc32(workbook), len(workbook), 0),
            (member, piece * repeats + tail, crc, size, 8),
        ]
    )


def xlsx_bomb(expanded: int = 2 * 1024 * MB, declared: int | None = None) -> bytes:
    """A real deflate bomb: sheet rows that compress ~1000x."""
    block = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAA</t></is></c></row>' * 16384
    return _xlsx_of_repeats("xl/worksheets/sheet1.xml", block, expanded, declared)


def xlsx_with_text_table(expanded: int) -> bytes:
    """An honest archive whose shared-string table (the sheet's distinct texts) inflates to
    about `expanded` bytes at ~35x: dense enough to pass the bomb check, too large to hold."""
    rnd = random.Random(3)

    def segment() -> bytes:
        digits = "".join(rnd.choice("0123456789abcdef") for _ in range(600))
        return f"<si><t>{digits}</t></si>{'<si><t>评价</t></si>' * 600}".encode()

    block = b"".join(segment() for _ in range(60))
    return _xlsx_of_repeats("xl/sharedStrings.xml", block, expanded)


class _Body:
    """A multipart body of `size` bytes, produced as it is read (never held whole); counts
    what the server read of it."""

    def __init__(self, head: bytes, tail: bytes, size: int) -> None:
        self.head, self.tail, self.size, self.read_bytes = head, tail, size, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        out = bytearray()
        while len(out) < n:
            pos = self.read_bytes + len(out)
            if pos < len(self.head):
                out += self.head[pos : pos + n - len(out)]
            elif pos < self.size - len(self.tail):
                out += b"a" * min(n - len(out), self.size - len(self.tail) - pos, MB)
            else:
                start = pos - (self.size - len(self.tail))
                out += self.tail[start : start + n - len(out)]
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        return self.read(min(size, 64 * 1024) if size and size > 0 else 64 * 1024)


@override_settings(LANGUAGE_CODE="en")
class HostileFilesTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media)
        override.enable()
        self.addCleanup(override.disable)

    def write(self, name: str, data: bytes) -> Path:
        path = Path(self.media) / name
        path.write_bytes(data)
        return path

    def upload(self, name: str, data: bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(self.lead)
        return self.client.post(
            reverse("imports"), {"shop": self.shop.pk, "file": SimpleUploadedFile(name, data)}
        )

    def assert_refused_by_command(self, path: Path, message: str) -> None:
        with self.assertRaises(CommandError) as caught:
            call_command("import_reviews", str(path), "--shop", "alpha", stdout=io.StringIO())
        self.assertIn(message, str(caught.exception))
        self.assertFalse(ImportBatch.objects.exists())

    def test_an_xlsx_decompression_bomb_is_refused_before_inflating(self):
        data = xlsx_bomb()
        self.assertLess(len(data), 10 * MB)
        path = self.write("bomb.xlsx", data)
        with bounded(self, seconds=5):
            self.assert_refused_by_command(path, "decompression bomb")
            response = self.upload("bomb.xlsx", data)
        self.assertContains(response, "decompression bomb", status_code=400)
        self.assertFalse(ImportBatch.objects.exists())

    def test_an_xlsx_whose_text_table_is_too_large_to_hold_is_refused_before_reading(self):
        data = xlsx_with_text_table(120 * MB)
        self.assertLess(len(data), 5 * MB)
        path = self.write("texts.xlsx", data)
        with bounded(self, seconds=5, memory=20 * MB):
            self.assert_refused_by_command(path, "MB of text; at most 100 MB are accepted")
            response = self.upload("texts.xlsx", data)
        self.assertContains(response, "save it as CSV (UTF-8)", status_code=400)
        self.assertFalse(ImportBatch.objects.exists())

    def test_a_bomb_that_understates_its_size_fails_on_its_checksum_not_on_memory(self):
        # The archive claims 1 MB: the check passes, and zipfile inflates no more than the
        # claimed size before its CRC check fails.
        lying = xlsx_bomb(256 * MB, declared=MB)
        path = self.write("liar.xlsx", lying)
        with bounded(self, seconds=5):
            self.assert_refused_by_command(path, "XLSX")

    def test_a_1_gb_upload_is_refused_unread(self):
        """Through the whole middleware stack with CSRF enforced, as a browser's POST is:
        CsrfViewMiddleware would parse the multipart body whole before the view ran."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.lead)
        client.get(reverse("imports"))
        token = client.cookies["csrftoken"].value
        boundary = "XyZ0123456789"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="shop"\r\n\r\n'
            f'{self.shop.pk}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="huge.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        body = _Body(head, tail, 1024 * MB)
        environ = {
            **client._base_environ(),
            "REQUEST_METHOD": "POST",
            "PATH_INFO": reverse("imports"),
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(body.size),
            "HTTP_COOKIE": "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
            "wsgi.input": body,
        }
        with bounded(self, seconds=5, memory=50 * MB):
            response = ClientHandler(enforce_csrf_checks=True)(environ)
        self.assertEqual(response.status_code, 413)
        self.assertIn(b"larger than the upload limit of 200 MB", response.content)
        self.assertLess(body.read_bytes, MB, "the body was read")
        self.assertEqual(list(Path(self.media).rglob("*")), [])
        self.assertFalse(ImportBatch.objects.exists())

    def test_a_csv_with_10000_columns_is_refused(self):
        header = ["review_id", "rating", "text", "reviewed_at"] + [f"c{i}" for i in range(9996)]
        row = ["R1", "差评", "太慢", "2024-11-12 10:00"] + ["x"] * 9996
        data = "\n".join(",".join(line) for line in (header, row, row)).encode()
        path = self.write("wide.csv", data)
        with bounded(self, seconds=5):
            self.assert_refused_by_command(path, f"at most {MAX_COLUMNS:,} are accepted")
            response = self.upload("wide.csv", data)
        self.assertContains(response, "10,000 columns", status_code=400)

    def test_a_csv_that_is_one_enormous_line_is_refused(self):
        path = Path(self.media) / "line.csv"
        with path.open("wb") as fh:  # 150 MB, no newline at all
            for _ in range(150):
                fh.write(b"a" * MB)
        with bounded(self, seconds=10, memory=60 * MB):
            self.assert_refused_by_command(path, "longer than 1,048,576 characters")

    def test_an_enormous_cell_rejects_its_row_only(self):
        """A 30 MB cell amid good rows: its row is reported, the others imported; the cell is
        never held whole."""
        path = Path(self.media) / "cell.csv"
        with path.open("wb") as fh:
            fh.write(b"review_id,rating,text,reviewed_at\n")
            fh.write("R1,差评,快递太慢,2024-11-12 10:00\n".encode())
            fh.write('R2,差评,"'.encode())
            for _ in range(30):
                fh.write("坏".encode() * (MB // 3))
            fh.write(b'",2024-11-12 10:00\n')
            fh.write("R3,中评,一般,2024-11-12 11:00\n".encode())
            fh.write(("R4,差评,日期里藏着空格,1" + " " * 60000 + "1\n").encode())
        from reviews import classifier

        classifier.classify("快递太慢")  # load the model outside the measured block
        with bounded(self, seconds=20, memory=100 * MB):
            call_command("import_reviews", str(path), "--shop", "alpha", stdout=io.StringIO())
        batch = ImportBatch.objects.get()
        self.assertEqual(batch.status, "done", batch.message)
        self.assertEqual(
            sorted(Review.objects.values_list("platform_review_id", flat=True)), ["R1", "R3"]
        )
        reasons = dict(batch.errors.values_list("row", "reason"))
        self.assertEqual(batch.rejected, 2, reasons)
        self.assertIn("longer than", reasons[3])  # R2 (the header is row 1)
        self.assertIn("is not a date and time", reasons[5])  # R4, refused without a slow regex
        self.assertEqual(batch.processed_rows, 4)


@override_settings(LANGUAGE_CODE="en")
class FormulaCellsTestCase(BaseTestCase):
    def test_formulas_are_kept_as_text_and_formula_cells_without_a_value_are_reported(self):
        """A CSV cell "=1+1" is a review saying "=1+1", stored verbatim (the error report and
        exports quote it). In XLSX a real formula cell carries no value without a cached
        result (read with data_only): its row is reported, not imported empty or dropped."""
        import openpyxl

        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        csv_path = Path(media) / "f.csv"
        csv_path.write_text(
            "review_id,rating,text,reviewed_at\n"
            'F1,差评,"=1+1",2024-11-12 10:00\n'
            "F2,差评,@SUM(A1:A2),2024-11-12 10:00\n"
            'F3,差评,"-坏了, +退款",2024-11-12 10:00\n',
            encoding="utf-8",
        )
        call_command("import_reviews", str(csv_path), "--shop", "alpha", stdout=io.StringIO())
        self.assertEqual(
            dict(Review.objects.values_list("platform_review_id", "text")),
            {"F1": "=1+1", "F2": "@SUM(A1:A2)", "F3": "-坏了, +退款"},
        )
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["review_id", "rating", "text", "reviewed_at"])
        sheet.append(["X1", "差评", '=CONCAT("快","递")', "2024-11-12 10:00"])  # a formula
        sheet.append(["X2", '=IF(1,"差评")', "太慢", "2024-11-12 10:00"])  # a formula
        sheet.append(["X3", "差评", "正常的一行", "2024-11-12 10:00"])
        xlsx_path = Path(media) / "f.xlsx"
        workbook.save(xlsx_path)
        call_command("import_reviews", str(xlsx_path), "--shop", "alpha", stdout=io.StringIO())
        batch = ImportBatch.objects.order_by("-id").first()
        self.assertEqual((batch.status, batch.processed_rows, batch.rejected), ("done", 3, 2))
        self.assertEqual(sorted(batch.errors.values_list("row", flat=True)), [2, 3])
        self.assertTrue(Review.objects.filter(platform_review_id="X3").exists())


@override_settings(LANGUAGE_CODE="en")
class DeclaredDimensionTestCase(BaseTestCase):
    def test_a_tiny_xlsx_declaring_a_million_rows_by_16384_columns_is_read_in_a_second(self):
        """openpyxl pads rows to the sheet's declared <dimension> and yields every row up to
        its height: a 2 KB file declaring A1:XFD1048576 kept a worker busy for ~100 minutes."""
        import re
        import zipfile

        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.active.append(["review_id", "rating", "text", "reviewed_at"])
        workbook.active.append(["R1", "差评", "快递太慢", "2024-11-12 10:00"])
        plain = io.BytesIO()
        workbook.save(plain)
        crafted = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
            zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = re.sub(
                        rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', data
                    )
                    self.assertIn(b"XFD1048576", data)
                    data = data.replace(
                        b"</sheetData>",
                        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                        b"</c></row></sheetData>",
                    )
                target.writestr(info, data)
        media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        path = Path(media) / "tall.xlsx"
        path.write_bytes(crafted.getvalue())
        self.assertLess(path.stat().st_size, 10_000)
        from reviews import classifier

        classifier.classify("快递太慢")  # load the model outside the measured block
        with bounded(self, seconds=10, trace=False):
            call_command("import_reviews", str(path), "--shop", "alpha", stdout=io.StringIO())
        batch = ImportBatch.objects.get()
        self.assertEqual(list(Review.objects.values_list("platform_review_id", flat=True)), ["R1"])
        # The far cell is a row of its own: reported, not dropped.
        self.assertEqual((batch.processed_rows, batch.rejected), (2, 1))
        self.assertEqual(set(batch.errors.values_list("row", flat=True)), {1048576})
