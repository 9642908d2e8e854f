"""Proposals — "a problem we want to solve / a good we want to do" (1.1) — and plan comments (2.1)."""
from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, LengthProblem
from models.staff import Staff

VIRTUES = ("พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู")
MIN_TEXT = 3
MAX_TEXT = 500
MIN_LETTERS = 3  # Thai or Latin letters that take space (not tone marks or vowels above/below)


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    problem: Mapped[str] = mapped_column(sa.Text)
    good: Mapped[str] = mapped_column(sa.Text)
    virtue: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    webhook_event_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


class PlanComment(Base):
    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class Vague(enum.Enum):
    """Why a typed answer says nothing, though it is long enough."""

    DIGITS = "digits"            # only digits (and punctuation): "555", "12345"
    SYMBOLS = "symbols"          # only emoji and punctuation
    FEW_LETTERS = "few_letters"  # fewer than MIN_LETTERS letters: "ok.", "ก ข"
    REPEATED = "repeated"        # one or two letters over and over: "กกกก", "ดีดีดีดี", "asasas"
    KEYBOARD = "keyboard"        # a run along a keyboard row: "asdfgh", "ฟหกด", "qwerty", or "กขคง"
    GREETING = "greeting"        # only a greeting or thanks (the handlers know those words)


# The rows of the keyboards Thai offices type on, unshifted: QWERTY and Thai Kedmanee.
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",
                 "ๅ/-ภถุึคตจขช", "ๆไำพะัีรนยบลฃ", "ฟหกดเ้่าสวง", "ผปแอิืทมใฝ")
_NEIGHBOURS = {a + b for row in KEYBOARD_ROWS for a, b in zip(row, row[1:], strict=False)}
_NEIGHBOURS |= {pair[::-1] for pair in _NEIGHBOURS}
_LATIN_VOWELS = set("aeiouy")
_SPACES = re.compile(r"\s+")


def _is_letter(ch: str) -> bool:
    """A Thai or Latin letter that takes a place of its own (tone marks, vowels above and below, and
    the repetition mark ๆ are not counted)."""
    if "\u0e01" <= ch <= "\u0e2e" or ch in "\u0e30\u0e32\u0e33\u0e40\u0e41\u0e42\u0e43\u0e44\u0e45":
        return True
    return ch.isascii() and ch.isalpha() or (not ch.isascii() and unicodedata.category(ch) in ("Lu", "Ll")
                                            and "LATIN" in unicodedata.name(ch, ""))


def _keyboard_share(text: str) -> float:
    """The share of neighbouring characters that sit next to each other on a keyboard row, or come
    next in the alphabet (ก ข ค, a b c): near 1 for "asdfgh", "ฟหกดฟหกด" or "กขคง", low for words."""
    pairs = list(zip(text, text[1:], strict=False))
    near = 0
    for a, b in pairs:
        step = ord(b) - ord(a)
        thai_consonants = "\u0e01" <= a <= "\u0e2e" and "\u0e01" <= b <= "\u0e2e"
        near += a + b in _NEIGHBOURS or step == 1 or 2 <= step <= 3 and thai_consonants  # ก ข (ฃ) ค (ฅ ฆ) ง
    return near / len(pairs) if pairs else 0.0


def vague(text: str) -> Vague | None:
    """Why a typed answer says nothing (only digits, emoji or punctuation, too few letters, one letter
    or a short piece repeated, a run along the keyboard); None when it reads as words. Thai has no
    spaces between words, so it goes by the kinds of characters: "มาสาย", "ขยัน", "โกง" pass."""
    compact = _SPACES.sub("", text).casefold()
    if not compact:
        return Vague.SYMBOLS
    letters = [ch for ch in compact if _is_letter(ch)]
    if not letters:
        return Vague.DIGITS if any(ch.isdigit() for ch in compact) else Vague.SYMBOLS
    if len(letters) < MIN_LETTERS:
        return Vague.FEW_LETTERS
    word = "".join(ch for ch in compact if ch.isalpha() or unicodedata.category(ch) == "Mn")
    if len(set(word)) <= 2 or any(len(word) >= 3 * n and word == word[:n] * (len(word) // n) + word[:len(word) % n]
                                  for n in (2, 3)):
        return Vague.REPEATED
    if len(word) >= 4 and _keyboard_share(word) >= 0.7:
        return Vague.KEYBOARD
    if all(ch.isascii() for ch in letters) and not _LATIN_VOWELS & set(letters):
        return Vague.KEYBOARD  # "sdfkj", "hjkl;": Latin letters with no vowel
    return None


def text_problem(text: str) -> LengthProblem | Vague | None:
    """Why a typed answer (a problem, a good, a plan comment) cannot be stored: its length, or that it
    says nothing; None when it is fine."""
    length = len(text.strip())
    if length < MIN_TEXT:
        return LengthProblem(short=True, length=length, limit=MIN_TEXT)
    if length > MAX_TEXT:
        return LengthProblem(short=False, length=length, limit=MAX_TEXT)
    return vague(text)


def virtue_of(text: str) -> str | None:
    cleaned = text.strip().replace(" ", "")
    return next((v for v in VIRTUES if cleaned == v or cleaned.endswith(v)), None)


def add(db: Session, staff: Staff, plan_id: int | None, problem: str, good: str, virtue: str,
        at: datetime, event_id: str | None) -> Proposal:
    if virtue not in VIRTUES:
        raise ValueError(f"unknown virtue {virtue!r}")
    proposal = Proposal(plan_id=plan_id, staff_id=staff.id, problem=problem.strip(), good=good.strip(),
                        virtue=virtue, created_at=at, webhook_event_id=event_id)
    db.add(proposal)
    db.flush()
    return proposal


def of_staff(db: Session, staff: Staff) -> list[Proposal]:
    return list(db.scalars(sa.select(Proposal).where(Proposal.staff_id == staff.id, Proposal.withdrawn_at.is_(None))
                           .order_by(Proposal.created_at)))


def withdraw(db: Session, staff: Staff, proposal_id: int, at: datetime) -> Proposal | None:
    """Withdraw one's own proposal; None when it is not theirs or already withdrawn."""
    proposal = db.get(Proposal, proposal_id)
    if proposal is None or proposal.staff_id != staff.id or proposal.withdrawn_at is not None:
        return None
    proposal.withdrawn_at = at
    db.flush()
    return proposal


def add_comment(db: Session, staff: Staff, plan_id: int | None, text: str, at: datetime) -> PlanComment:
    comment = PlanComment(plan_id=plan_id, staff_id=staff.id, text=text.strip(), created_at=at)
    db.add(comment)
    db.flush()
    return comment
