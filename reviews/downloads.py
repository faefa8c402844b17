"""The Content-Disposition header of every download, built in one place.

File names carry what imports wrote (an order id, a product name): a quote would end the
name and add parameters of its own, a line break would make the header unsendable, and
non-ASCII needs RFC 5987's `filename*=`. So (RFC 6266): an ASCII `filename="…"` fallback with
every unsafe character replaced, and `filename*=UTF-8''…` with the real name, percent-encoded.
"""

import re
import unicodedata
from urllib.parse import quote

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._\-+()\[\] ]")


def attachment(filename: str) -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` for `filename`, safe whatever it holds."""
    name = "".join(
        "_" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in filename
    )
    name = name.replace("/", "_").replace("\\", "_").strip(" .") or "download"
    fallback = _UNSAFE_ASCII.sub("_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
