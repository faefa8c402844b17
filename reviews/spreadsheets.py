"""What goes into a spreadsheet cell we export (import error reports, report tables).

Pure text, no database. A spreadsheet runs a cell that starts with = + - or @ as a formula,
and some do after a leading tab, carriage return or NUL too; text somebody else wrote — a
buyer's review, a product name — must never reach an export in that shape.
"""

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def neutralise(value: object) -> str:
    """The value as text that no spreadsheet runs: one starting with = + - @ tab, CR or NUL
    gets a leading apostrophe (the spreadsheet's own "this is text" mark), NULs dropped."""
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS):
        return "'" + text.replace("\x00", "")
    return text
