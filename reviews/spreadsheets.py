"""What goes into a spreadsheet cell we export (import error reports, report tables).

Pure text, no database. A spreadsheet runs a cell that starts with = + - or @ as a formula
(OWASP's "CSV injection"), and many still do when blanks, a tab, a line break or other
invisible characters come first, or when the sign is typed full-width (＝ ＋ － ＠, as a
Chinese keyboard does) — text somebody else wrote, a buyer's review or a product name, must
never reach an export in any of those shapes.
"""

import unicodedata

_FORMULA_STARTS = ("=", "+", "-", "@", "\u2212")  # U+2212 is the minus sign


def neutralise(value: object) -> str:
    """The value as text that no spreadsheet runs: one whose first visible character, read
    as its plain (NFKC) form, starts a formula — or that starts with a tab, CR, or line
    break — gets a leading apostrophe (the spreadsheet's own "this is text" mark); NULs are
    dropped."""
    text = "" if value is None else str(value).replace("\x00", "")
    if _runs_as_formula(text):
        return "'" + text
    return text


def _runs_as_formula(text: str) -> bool:
    if text[:1] in ("\t", "\r", "\n"):
        return True
    for ch in text:
        # Blanks, control and format characters (zero-width space, BOM) are skipped: the
        # first character that shows decides.
        if ch.isspace() or unicodedata.category(ch)[0] in "CZ":
            continue
        return unicodedata.normalize("NFKC", ch).startswith(_FORMULA_STARTS)
    return False
