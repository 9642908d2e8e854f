"""People's names as a Thai office writes and says them.

A roster name is kept as written, title first ("นายวรวิทย์ ทองดี", "ว่าที่ร้อยตรีสมชาย ใจดี",
"ดร.สุดา มีสุข"): documents and lists show it whole. In chat the office speaks to the person by their
first name after "คุณ", never "คุณนาย…" or "คุณนางสาว…"; an academic or medical title is said instead
of คุณ, as it is in an office ("ดร.สุดา").

    address("นายวรวิทย์ ทองดี")   → "คุณวรวิทย์"
    address("ดร.สุดา มีสุข")      → "ดร.สุดา"
    without_title("นางสาวดวงใจ สดใส") → "ดวงใจ สดใส"
"""
from __future__ import annotations

# Said instead of คุณ (with the first name).
ACADEMIC = ("ศาสตราจารย์", "รองศาสตราจารย์", "ผู้ช่วยศาสตราจารย์", "ผศ.ดร.", "รศ.ดร.", "ศ.ดร.", "ผศ.", "รศ.", "ศ.",
            "ดร.", "ด.ร.", "นพ.", "พญ.", "ทพ.", "ทญ.", "dr.")
# Titles people put before their name, longest first so that นางสาว is not read as นาง + สาว….
TITLES = tuple(sorted({
    *ACADEMIC,
    "ว่าที่ร้อยตรีหญิง", "ว่าที่ร้อยตรี", "ว่าที่ร้อยโทหญิง", "ว่าที่ร้อยโท", "ว่าที่ร้อยเอก",
    "ว่าที่ร.ต.หญิง", "ว่าที่ ร.ต.หญิง", "ว่าที่ร.ต.", "ว่าที่ ร.ต.", "ว่าที่ร.ท.", "ว่าที่ ร.ท.", "ว่าที่",
    "ร้อยตรีหญิง", "ร้อยตรี", "ร้อยโท", "ร้อยเอก", "ร.ต.หญิง", "ร.ต.", "ร.ท.", "ร.อ.", "พ.ต.", "พ.ท.", "พ.อ.",
    "พ.ต.อ.", "พ.ต.ท.", "พ.ต.ต.", "ร.ต.อ.", "ร.ต.ท.", "ร.ต.ต.", "ด.ต.", "จ.ส.ต.", "จ.ส.อ.", "จ่าเอก", "จ.อ.",
    "สิบเอก", "สิบโท", "สิบตรี", "ส.อ.", "ส.ท.", "ส.ต.",
    "นางสาว", "น.ส.", "นส.", "นาง", "นาย", "คุณ",
    "mr.", "mrs.", "ms.", "miss",
}, key=len, reverse=True))


def _split_titles(name: str) -> tuple[list[str], str]:
    """(the titles in front, the rest) of a name, spaces tidied."""
    rest = " ".join(name.split())
    found: list[str] = []
    while True:
        folded = rest.casefold()
        title = next((t for t in TITLES if folded.startswith(t) and len(rest) > len(t)), None)
        if title is None:
            return found, rest
        found.append(rest[:len(title)])
        rest = rest[len(title):].lstrip()


def without_title(name: str) -> str:
    """`นายสมชาย ใจดี` → `สมชาย ใจดี`, for short labels."""
    return _split_titles(name)[1]


def first_name(name: str) -> str:
    """`นายวรวิทย์ ทองดี` → `วรวิทย์`."""
    rest = without_title(name)
    return rest.split()[0] if rest else name.strip()


def address(name: str) -> str:
    """How the office speaks to a person in chat: "คุณวรวิทย์"; "ดร.สุดา" for an academic title."""
    titles, _ = _split_titles(name)
    said = [t for t in titles if t.casefold() in ACADEMIC]
    return ("".join(said) if said else "คุณ") + first_name(name)
