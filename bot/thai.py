"""How Thai is written: Buddhist Era dates, numbers, Thai digits, reading a typed Thai date, shortening.

    thai_date(date(2026, 2, 27))                  → "27 ก.พ. 2569"
    thai_date(date(2026, 2, 27), thai_digits=True) → "๒๗ ก.พ. ๒๕๖๙"
    parse_day("31 มี.ค. 69", today)                → date(2026, 3, 31)

Datetimes must already be in the office's time zone (`moment.astimezone(settings.tz)`).
"""
from __future__ import annotations

import functools
import re
from datetime import date, datetime

THAI_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
THAI_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
                    "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
BUDDHIST_ERA = 543
_TO_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_FROM_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
ELLIPSIS = "…"
CUT_NOTE = "… (ยาวเกินกว่าจะแสดงในแชตได้ทั้งหมด)"  # under a list cut to fit the chat

# The states of an indicator or milestone (models.plan.State values), as the office says them.
STATE_NAMES = {"done": "ครบแล้ว", "on_track": "ตามแผน", "behind": "ล่าช้า", "overdue": "เลยกำหนด"}


# -- writing -----------------------------------------------------------------------------------------
def thai_date(value: date | datetime, thai_digits: bool = False) -> str:
    """`27 ก.พ. 2569` (Buddhist Era)."""
    text = f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + BUDDHIST_ERA}"
    return text.translate(_TO_THAI_DIGITS) if thai_digits else text


def thai_datetime(value: datetime) -> str:
    """`27 ก.พ. 2569 เวลา 09:30 น.`"""
    return f"{thai_date(value)} เวลา {value:%H:%M} น."


def time_span(start: datetime, end: datetime | None) -> str:
    """`10 มี.ค. 2569 เวลา 09:00–12:00 น.`; across days `10 มี.ค. 2569 เวลา 09:00 น. ถึง 11 มี.ค. 2569 เวลา 16:00 น.`"""
    if end is None:
        return thai_datetime(start)
    if start.date() == end.date():
        return f"{thai_date(start)} เวลา {start:%H:%M}–{end:%H:%M} น."
    return f"{thai_datetime(start)} ถึง {thai_datetime(end)}"


def file_size(size: int) -> str:
    """A file's size as people read it: "83.2 MB", "12 KB"."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def percent(value: float) -> str:
    """72.5 → '72.5', 100.0 → '100'."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def days_text(due: date, today: date) -> str:
    """`เหลือ 3 วัน`, `ครบกำหนดวันนี้`, `เลยมา 2 วัน`."""
    days = (due - today).days
    if days > 0:
        return f"เหลือ {days} วัน"
    return "ครบกำหนดวันนี้" if days == 0 else f"เลยมา {-days} วัน"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: when it is longer, cut after the last whole word that fits
    (Thai has no spaces between words: PyThaiNLP's dictionary segmenter finds them), with an ellipsis;
    a first word longer than the limit is cut inside it."""
    if len(text) <= limit:
        return text
    room = limit - 1
    kept = ""
    for word in _words(text):
        if len(kept) + len(word) > room:
            break
        kept += word
    kept = kept.rstrip() or text[:room].rstrip()
    return kept + ELLIPSIS


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize  # loads its dictionary (~0.5 s) on first use

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=True))


# -- reading -----------------------------------------------------------------------------------------
def arabic_digits(text: str) -> str:
    """Thai digits typed as 0-9: `๓๑` → `31`."""
    return text.translate(_FROM_THAI_DIGITS)


def parse_day(text: str, today: date) -> date | None:
    """A date as typed in Thai: 31 มี.ค. 2569, 31 มีนาคม 69, 31/3/2569, 2026-03-31, or 31 มี.ค. (the next
    one on or after `today`). None when it is not a date."""
    typed = " ".join(arabic_digits(text).split())
    try:
        found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", typed)
        if found:
            return date(_year(int(found[1])), int(found[2]), int(found[3]))
        found = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})", typed)
        if found:
            return date(_year(int(found[3])), int(found[2]), int(found[1]))
        found = re.fullmatch(r"(\d{1,2})\s*([^\d\s]+(?:\s[^\d\s]+)?)\s*(\d{2,4})?", typed)
        if found:
            month = _month(found[2])
            if month is None:
                return None
            if found[3]:
                return date(_year(int(found[3])), month, int(found[1]))
            day = date(today.year, month, int(found[1]))
            return day if day >= today else date(today.year + 1, month, int(found[1]))
    except ValueError:  # 31 ก.พ.
        return None
    return None


def _year(value: int) -> int:
    """A typed year as Gregorian: 2569 → 2026, 69 → 2026, 2026 → 2026."""
    if value < 100:
        value += 2500
    return value - BUDDHIST_ERA if value > 2400 else value


def _month(word: str) -> int | None:
    bare = word.replace(".", "").replace(" ", "")
    for i, (short, full) in enumerate(zip(THAI_MONTHS, THAI_MONTHS_FULL, strict=True), start=1):
        if bare in (short.replace(".", ""), full):
            return i
    return None
