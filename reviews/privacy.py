"""Personal data in free text: phone numbers (and, for erasure, addresses) found and masked.

Buyers write their numbers into reviews ("加我微信13812345678"), import files carry them in the
raw row of a rejected line, and exceptions quote them. Everything that leaves the review page
— lists, exports, error reports, log lines — goes through `mask_phones`; the full number is
shown only by the logged reveal on the review page.
"""

import logging
import re

_D = "[0-9０-９]"  # buyers type full-width digits too
# A mainland mobile (1[3-9] + 9 digits), optionally +86/0086, optionally split by spaces or
# dashes (138 1234 5678); not part of a longer number (order ids, tracking numbers).
_MOBILE = rf"(?:(?:\+|00)?86[\s-]?)?[1１][3-9３-９]{_D}(?:[\s-]?{_D}{{4}}){{2}}"
# A landline with its area code: 010-12345678, (0755)1234567, 021 5555 1234.
_LANDLINE = rf"(?:\([0０]{_D}{{2,3}}\)|[0０]{_D}{{2,3}}[\s-]){_D}{{3,4}}[\s-]?{_D}{{4}}"
PHONE_RE = re.compile(rf"(?<![0-9０-９])(?:{_MOBILE}|{_LANDLINE})(?![0-9０-９])")

_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to dial it."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    return _mask_digits(digits)


def _mask_digits(digits: str) -> str:
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 3) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _masked(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group().translate(_FULL_WIDTH))
    if len(digits) > 11 and digits.startswith(("86", "0086")) and digits[-11] == "1":
        digits = digits[-11:]  # the country code says nothing; keep the familiar 138****5678
    return _mask_digits(digits)


def mask_phones(text: str) -> str:
    """`text` with every phone number in it masked (138****5678)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return PHONE_RE.sub(_masked, text)


PHONE_ERASED = "[电话已删除]"


def erase_phones(text: str) -> str:
    """`text` with every phone number removed outright (erasure: masking keeps 7 digits)."""
    return PHONE_RE.sub(PHONE_ERASED, text) if text else text


# A postal address as buyers write one: places down to a house number (北京市朝阳区建国路88号
# 3栋201室, 幸福小区5号楼2单元). Deliberately greedy: erasing a few words too many is fine.
_PLACE = r"(?:省|市|区|县|镇|乡|村|街道|大道|路|街|巷|弄|胡同|小区|花园|公寓|大厦|新村)"
_NUMBER = rf"{_D}+\s*(?:号楼|号院|号|栋|幢|座|楼|单元|室|层)"
ADDRESS_RE = re.compile(
    rf"[\u4e00-\u9fffA-Za-z0-9０-９]{{0,12}}{_PLACE}[\u4e00-\u9fffA-Za-z0-9０-９\-]{{0,20}}?"
    rf"{_NUMBER}(?:[\s\-]*{_D}*\s*(?:号楼|号院|号|栋|幢|座|楼|单元|室|层))*"
)
ADDRESS_MASK = "[地址已删除]"


def mask_addresses(text: str) -> str:
    """`text` with address-like spans replaced (used when a buyer's data is erased)."""
    return ADDRESS_RE.sub(ADDRESS_MASK, text) if text else text


class MaskPhonesFilter(logging.Filter):
    """A handler filter: log lines never carry a phone number (the message, its arguments and
    a traceback are masked before any handler writes them). Attach it to handlers, not
    loggers — a logger's filters do not see records propagated from its children."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phones(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_phones(record.stack_info)
        return True
