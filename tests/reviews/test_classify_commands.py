import json
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase


class ClassifyCommandTestCase(SimpleTestCase):
    def test_it_writes_one_json_object_per_line(self):
        out = StringIO()
        call_command("classify", stdin=StringIO("快递太慢了\n质量太差，我要投诉\n\n"), stdout=out)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 3)
        first, second, _empty = (json.loads(line) for line in lines)
        self.assertEqual(
            set(first), {"cause", "subcause", "severity", "confidence", "flags", "evidence"}
        )
        self.assertEqual(first["cause"], "logistics")
        self.assertIn("complaint_threat", second["flags"])
        self.assertIn("质量", out.getvalue())  # ensure_ascii=False


class ClassifyEvalCommandTestCase(SimpleTestCase):
    def run_eval(self, tsv: str) -> str:
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "dev.tsv"
            path.write_text(tsv, encoding="utf-8")
            out = StringIO()
            call_command("classify_eval", str(path), stdout=out)
            return out.getvalue()

    def test_it_prints_the_figures(self):
        out = self.run_eval(
            "row\ttext\tcause\tsubcause\tseverity\n"
            "1\t快递太慢了，等了一个星期\tlogistics\tcourier_speed\tminor\n"
            "2\t物流很快，但是质量太差\tproduct_service\tquality\t\n"
            "3\t我自己拍错尺码了\tbuyer_side\t\tminor\n"
        )
        self.assertIn("cause accuracy     1.000", out)
        self.assertIn("cause macro-F1     1.000", out)
        self.assertIn("sub-cause accuracy 1.000 (2 rows)", out)
        self.assertIn("severity accuracy  1.000 (2 rows)", out)
        self.assertIn("confusion", out)
        for cause in ("logistics", "product_service", "buyer_side"):
            self.assertIn(cause, out)

    def test_it_refuses_a_file_without_the_columns(self):
        with self.assertRaises(CommandError):
            self.run_eval("review\tlabel\n好\t1\n")
