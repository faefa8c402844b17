"""Every UI string has its Simplified Chinese, and the compiled catalogue matches the source."""

import gettext
import re

from django.test import SimpleTestCase

from .procs import ROOT

PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _unquote(chunks: list[str]) -> str:
    return "".join(
        bytes(c, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") for c in chunks
    )


def entries() -> list[dict]:
    """msgid / msgstr / fuzzy of each entry of the .po (enough of the format for this test)."""
    out = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        current, fields, fuzzy = None, {}, False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif m := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
                current = m.group(1)
                fields[current] = [m.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line[1:-1])
        if "msgid" in fields:
            out.append({k: _unquote(v) for k, v in fields.items()} | {"fuzzy": fuzzy})
    return [e for e in out if e["msgid"]]


class TranslationsTestCase(SimpleTestCase):
    def test_every_string_is_translated_and_none_is_fuzzy(self):
        missing = [
            e["msgid"]
            for e in entries()
            if e["fuzzy"] or not (e.get("msgstr") or e.get("msgstr[0]"))
        ]
        self.assertEqual(
            missing, [], "run `make messages` and translate these in locale/parts/*.po"
        )

    def test_the_compiled_catalogue_is_up_to_date(self):
        with MO.open("rb") as f:
            catalogue = gettext.GNUTranslations(f)

        def compiled(e: dict) -> str:
            if "msgctxt" in e:  # pgettext: the same msgid may mean different things
                return catalogue.pgettext(e["msgctxt"], e["msgid"])
            return catalogue.gettext(e["msgid"])

        stale = [e["msgid"] for e in entries() if "msgstr" in e and compiled(e) != e["msgstr"]]
        self.assertEqual(stale, [], "run `make messages` to compile locale/")
