"""Personal data in free text: phone numbers (and, for erasure, addresses) found and masked.

Buyers write their numbers into reviews ("加我微信13812345678"), import files carry them in the
raw row of a rejected line, and exceptions quote them. Everything that leaves the review page
— lists, exports, error reports, log lines — goes through `mask_phones`; the full number is
shown only by the logged reveal on the review page.
"""

import logging
import re

_D = "[0-9０-９]"  # buyers type full-width digits too
_PLUS = "[+＋]"
_SEP = r"[\s.\-－]"  # between digit groups: space, dot, dash (half- or full-width)
_OPEN, _CLOSE = "[(（]", "[)）]"

# Numbers as people write them in the countries the desk's shops sell to. Each shape is
# specific enough that dates, times, prices, ranges, order ids and tracking numbers never fit
# (tests/security/test_privacy.py holds both tables). A regular expression rather than
# libphonenumber: free text mixes countries with no region to parse against, a log filter
# runs on every line, and a fictional-looking number (555-01xx) must still be masked.
#
# A mainland mobile (1[3-9] + 9 digits), optionally +86/0086, optionally split (138 1234 5678,
# 138.1234.5678); it may follow letters ("微信wx13812345678").
_MOBILE = rf"(?:(?:{_PLUS}|00)?[8８][6６]{_SEP}?)?[1１][3-9３-９]{_D}(?:{_SEP}?{_D}{{4}}){{2}}"
# An international number: +, 00 or a bracketed country code, then digits in any grouping,
# "(0)" included (+44 (0)20 7946 0958, 0049 30 12345678, (852) 2345 6789). 8 to 15 digits.
_INTL = (
    rf"(?:{_PLUS}\s?|00|{_OPEN}{_PLUS}?(?=[1-9１-９]{_D}{{0,2}}{_CLOSE}))"
    rf"(?:{_OPEN}?[1-9１-９]{_D}{{0,3}}{_CLOSE}?)"
    rf"(?:{_SEP}?(?:{_OPEN}{_D}{{1,4}}{_CLOSE}|{_D})){{6,15}}"
)
# A national number with its trunk 0 and a separator after the area or mobile prefix: China
# 010-12345678 (0755)1234567, UK 020 7946 0958, Germany 030/12345678, France 06.12.34.56.78,
# Japan 090-1234-5678, Australia 0412 345 678, Taiwan (02)2345-6789. 9 to 12 digits.
_TRUNK = (
    rf"(?:{_OPEN}[0０]{_D}{{1,4}}{_CLOSE}\s?|[0０]{_D}{{1,4}}(?:{_SEP}|/))"
    rf"{_D}(?:{_SEP}?{_D}){{5,10}}"
)
# The US and Canada: (415) 555-0100, 415.555.0100, 1-800-555-0199.
_NANP = (
    rf"(?:[1１]{_SEP}?)?(?:{_OPEN}[2-9２-９]{_D}{{2}}{_CLOSE}\s?|[2-9２-９]{_D}{{2}}{_SEP})"
    rf"[2-9２-９]{_D}{{2}}{_SEP}{_D}{{4}}"
)
# Not inside a longer run of digits, letters or digit groups (order ids like 112-3456789-0123456,
# tracking numbers like JD0012345678901-1-1, an order id written 3921 0088 1234 5567).
_NOT_AFTER = r"(?<![0-9０-９A-Za-z.\-/])(?<![0-9０-９]\s)"
_NOT_BEFORE = r"(?![0-9０-９]|[.\-－/][0-9０-９])"
PHONE_RE = re.compile(
    rf"(?:(?<![0-9０-９]){_MOBILE}|{_NOT_AFTER}(?:{_INTL}|{_TRUNK}|{_NANP})){_NOT_BEFORE}"
)

# A number typed in one run of digits ("call me at 4155550100", "电话 02079460958") has no
# shape of its own: order ids look the same. The word just before it says it is a phone; an
# order or tracking word in between says it is not.
_KEYWORD = r"(?:phone|tel|call|cell|mobile|whats\s?app|wechat|电话|手机|座机|联系|微信|致电)"
_GAP = r"(?:(?!订单|单号|order|tracking|运单|快递)[^0-9０-９\n]){0,8}?"
KEYED_PHONE_RE = re.compile(
    rf"(?i)(?<![A-Za-z]){_KEYWORD}{_GAP}(?<![0-9０-９A-Za-z])({_PLUS}?{_D}{{9,15}})(?![0-9０-９])"
)

_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


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


def _phone_digits(written: str) -> str | None:
    """The digits of a matched number, or None when there are too few or too many for one."""
    written = written.translate(_FULL_WIDTH)
    # "+44 (0)20 …": the bracketed trunk 0 is not dialled from abroad.
    digits = re.sub(r"\D", "", re.sub(r"[(（]0[)）]", "", written))
    international = written.startswith(("+", "(+", "（+")) or re.match(r"00[1-9]", written)
    if international and written.startswith("00"):
        digits = digits[2:]
    if len(digits) > 11 and digits.startswith("86") and digits[-11] == "1":
        return digits[-11:]  # the country code says nothing; keep the familiar 138****5678
    # Eight digits make a number only with its country code: 01.15.2024 is a date.
    if not (8 if international else 9) <= len(digits) <= 15:
        return None
    return "+" + digits if international else digits


def _masked(match: re.Match) -> str:
    digits = _phone_digits(match.group())
    if digits is None:
        return match.group()
    if digits.startswith("+"):
        return "+" + _mask_digits(digits[1:])
    return _mask_digits(digits)


def _keyed(replace):
    """A substitution for KEYED_PHONE_RE that changes only the number, not the word before."""

    def sub(match: re.Match) -> str:
        number = match.group(1)
        start = match.start(1) - match.start()
        digits = number.translate(_FULL_WIDTH)
        plus = digits.startswith("+")
        return match.group()[:start] + replace("+" * plus + digits.lstrip("+"))

    return sub


def mask_phones(text: str) -> str:
    """`text` with every phone number in it masked (138****5678)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = PHONE_RE.sub(_masked, text)
    return KEYED_PHONE_RE.sub(
        _keyed(lambda d: "+" + _mask_digits(d[1:]) if d.startswith("+") else _mask_digits(d)),
        text,
    )


PHONE_ERASED = "[电话已删除]"


def erase_phones(text: str) -> str:
    """`text` with every phone number removed outright (erasure: masking keeps 7 digits)."""
    if not text:
        return text
    text = PHONE_RE.sub(lambda m: PHONE_ERASED if _phone_digits(m.group()) else m.group(), text)
    return KEYED_PHONE_RE.sub(_keyed(lambda _digits: PHONE_ERASED), text)


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
