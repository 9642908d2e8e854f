"""What every reply the bot sends must read like, checked on each text a person would see: no polite
particle said twice ("ค่ะค่ะ", "ครับค่ะ", "นะคะค่ะ") and no quotation marks inside quotation marks
(“"…"”, ""…""). tests/handlers/conftest.py runs it on every message the fake LINE delivered."""
from __future__ import annotations

import re
from typing import Any

PARTICLE = r"(?:ค่ะ|คะ|ครับ|คับ|จ้ะ|จ้า|ค่า)"
DOUBLED = re.compile(PARTICLE + r"\s?" + PARTICLE + r"(?!แนน)")  # คะแนน (a score) is a word, not คะ
ADJACENT_QUOTES = re.compile(r"[\"“”]{2}")


def seen(node: Any) -> list[str]:
    """Every text a person sees in a message: text, altText, labels, a button's typed text."""
    out: list[str] = []
    if isinstance(node, dict):
        for key in ("text", "altText", "label", "displayText"):
            if isinstance(node.get(key), str):
                out.append(node[key])
        for key, value in node.items():
            if key not in ("text", "altText", "label", "displayText"):
                out += seen(value)
    elif isinstance(node, list):
        for value in node:
            out += seen(value)
    return out


def problems(text: str) -> list[str]:
    """What is wrong with one text: a doubled particle, or nested or unbalanced quotation marks."""
    found = [f"doubled particle {m.group(0)!r}" for m in DOUBLED.finditer(text)]
    found += [f"quotation marks together {m.group(0)!r}" for m in ADJACENT_QUOTES.finditer(text)]
    for line in text.splitlines():
        if line.count('"') % 2:
            found.append(f"unbalanced quotation marks in {line[:80]!r}")
        for inner in re.findall(r"“([^”]*)”", line):
            if '"' in inner or "“" in inner:
                found.append(f"quotation marks inside “…” in {line[:80]!r}")
        for inner in re.findall(r'"([^"]*)"', line):
            if "“" in inner or "”" in inner:
                found.append(f"“…” inside \"…\" in {line[:80]!r}")
    return found


def check(messages: list[dict]) -> list[str]:
    """Every problem in these messages, with the text it is in."""
    return [f"{p}: {t[:120]!r}" for m in messages for t in seen(m) for p in problems(t)]
