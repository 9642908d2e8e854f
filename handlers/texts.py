"""Thai phrases that several handlers (and the shell) share, in the office's voice. A phrase only one
capability says stays in that capability's module."""
from __future__ import annotations

import re

from bot import thai, words
from bot.router import Notices
from models.base import LengthProblem
from models.nomination import MAX_TITLE, NominationError, NominationRound, Refusal
from models.proposal import Vague

# What the router says itself (handlers.register_all hands it over).
NOTICES = Notices(
    coordinators_only=f"ขออภัย คำสั่งนี้ใช้ได้เฉพาะผู้ประสานงานและผู้บริหารค่ะ พิมพ์ \"{words.HELP}\" "
                      "เพื่อดูคำสั่งที่ใช้ได้",
    timed_out="{flow}ที่ค้างไว้หมดเวลาแล้ว (เกิน 30 นาที) เริ่มใหม่ได้เสมอค่ะ",
    put_aside=f"{{flow}}ที่ทำค้างไว้ ระบบพักไว้ให้ก่อนนะคะ (ยังไม่ได้บันทึก) "
              f"แตะ \"{words.RESUME}\" เมื่อต้องการกลับไปทำต่อ",
    where=f"ตอนนี้ท่านอยู่ระหว่าง{{flow}}ค่ะ พิมพ์คำตอบต่อได้เลย หรือพิมพ์ \"{words.CANCEL}\" เพื่อออก",
    unnamed_flow="รายการ",
    resume_word=words.RESUME,
    cancel_word=words.CANCEL,
)

# The webhook's answer when a handler failed: nothing of the event was stored.
APOLOGY = "ขออภัย ระบบขัดข้องชั่วคราว ยังไม่ได้บันทึกรายการนี้ กรุณาลองใหม่อีกครั้งค่ะ"

NO_ACTIVITY = "ไม่พบกิจกรรมนี้แล้วค่ะ"
TYPE_CANCEL_TO_LEAVE = f"(พิมพ์ {words.CANCEL} เพื่อออก)"


def length_problem(problem: LengthProblem | Vague) -> str:
    """A typed answer (a problem, a good, a plan comment) that is too short or too long, or says nothing."""
    if isinstance(problem, Vague):
        return vague(problem)
    if problem.short:
        return f"ข้อความสั้นเกินไป กรุณาพิมพ์อย่างน้อย {problem.limit} ตัวอักษร"
    return f"ข้อความยาวเกินไป ({problem.length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {problem.limit} ตัวอักษร"


# Why a typed answer says nothing (models.proposal.Vague), said kindly, without the closing ค่ะ.
VAGUE = {
    Vague.DIGITS: "ข้อความนี้มีแต่ตัวเลข",
    Vague.SYMBOLS: "ข้อความนี้มีแต่สัญลักษณ์หรืออีโมจิ",
    Vague.FEW_LETTERS: "ข้อความนี้สั้นเกินกว่าจะเข้าใจได้",
    Vague.REPEATED: "ข้อความนี้มีแต่ตัวอักษรซ้ำ ๆ",
    Vague.KEYBOARD: "ข้อความนี้ดูเหมือนกดแป้นพิมพ์ต่อกันโดยไม่ได้ตั้งใจ",
    Vague.GREETING: "ข้อความนี้เป็นคำทักทายหรือคำขอบคุณ",
}


def vague(problem: Vague) -> str:
    return f"ขออภัยค่ะ {VAGUE[problem]} จึงยังไม่ได้บันทึก ลองเล่าเป็นคำหรือประโยคสั้น ๆ อีกครั้งนะคะ"


def answer_problem(text: str, problem: LengthProblem | Vague | None) -> LengthProblem | Vague | None:
    """Why a step's typed answer is not taken: the rules' `problem`, or that it only greets or thanks."""
    if problem is None and social(text, loose=False):
        return Vague.GREETING
    return problem


def reason_problem(problem: LengthProblem | Vague) -> str:
    """A nomination's reason that is too short or too long, or says nothing (without the closing ค่ะ)."""
    if isinstance(problem, Vague):
        return f"{VAGUE[problem]} กรุณาเล่าเหตุผลเป็นประโยคอีกครั้ง"
    if problem.short:
        return f"กรุณาเล่าเหตุผลอย่างน้อย 1 ประโยค (อย่างน้อย {problem.limit} ตัวอักษร)"
    return f"เหตุผลยาวเกินไป ({problem.length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {problem.limit} ตัวอักษร"


# Why the rules refused a round change, nomination or honour (models.nomination.Refusal), without
# the closing ค่ะ: the handler ends the sentence.
REFUSALS = {
    Refusal.TITLE_LENGTH: f"ชื่อรอบต้องมี 1 ถึง {MAX_TITLE} ตัวอักษร",
    Refusal.NO_TIME_ZONE: "เวลาเปิดต้องระบุเขตเวลา",
    Refusal.ROUND_OPEN: "มีรอบ {title} เปิดอยู่แล้ว กรุณาปิดรอบนั้นก่อน",  # {title}: quoted()
    Refusal.ROUND_SCHEDULED: "มีรอบ {title} กำหนดเปิดไว้แล้ว กรุณายกเลิกรอบนั้นก่อน",
    Refusal.CLOSES_TOO_EARLY: "วันปิดรับต้องไม่ก่อนวันเปิด และไม่ก่อนวันนี้",
    Refusal.NO_ROUND: "ไม่มีรอบการเสนอชื่อที่เปิดอยู่",
    Refusal.ROUND_CLOSED: "รอบการเสนอชื่อปิดแล้ว",
    Refusal.WITHDRAW_CLOSED: "รอบการเสนอชื่อปิดแล้ว ถอนไม่ได้",
    Refusal.NOT_ON_ROSTER: "ไม่พบรายชื่อนี้ในทะเบียนบุคลากรแล้ว",
    Refusal.SELF: "ท่านเสนอชื่อตนเองไม่ได้",
    Refusal.NO_UNIT: "ไม่พบหน่วยงานนี้",
    Refusal.OWN_UNIT: "ท่านเสนอชื่อหน่วยงานของตนเองไม่ได้",
    Refusal.BAD_KIND: "ประเภทการเสนอชื่อไม่ถูกต้อง",
    Refusal.BAD_VIRTUE: "กรุณาเลือกคุณธรรมข้อใดข้อหนึ่งใน 5 ข้อ",
    Refusal.REASON: "กรุณาเล่าเหตุผลอย่างน้อย 1 ประโยค",  # with its LengthProblem: reason_problem()
    Refusal.NO_PERSON: "ไม่พบรายชื่อนี้",
}


def refusal(exc: NominationError | Refusal) -> str:
    """Why the rules refused it, in Thai (without the closing ค่ะ)."""
    if isinstance(exc, Refusal):
        return REFUSALS[exc]
    problem = exc.details.get("problem")
    if exc.refusal is Refusal.REASON and isinstance(problem, LengthProblem | Vague):
        return reason_problem(problem)
    return REFUSALS[exc.refusal].format(**{k: quoted(str(v), None) if k == "title" else v
                                           for k, v in exc.details.items()})


def with_unit(name: str, unit: str) -> str:
    """`นายสมชาย ใจดี (อำเภอเมือง)`, or the name alone."""
    return f"{name} ({unit})" if unit else name


def last_day(round_: NominationRound) -> str:
    """A round's last day, `31 มี.ค. 2569`; "" when it has none."""
    return thai.thai_date(round_.closes_on) if round_.closes_on else ""


QUOTES = "\"“”"


def quoted(said: str, limit: int | None = 40) -> str:
    """A name or what a person typed, in quotation marks, with quotation marks of its own made single
    (never "“…”" or ""…""): the activity กิจกรรมร่วมกำหนดคุณธรรมเป้าหมาย "ปัญหาที่อยากแก้ …" reads
    "กิจกรรมร่วมกำหนดคุณธรรมเป้าหมาย 'ปัญหาที่อยากแก้ …'". Cut at a word past `limit` characters."""
    inner = " ".join(said.split())
    if len(inner) >= 2 and inner[0] in QUOTES and inner[-1] in QUOTES and not any(q in inner[1:-1] for q in QUOTES):
        inner = inner[1:-1].strip()  # typed in quotation marks: "สมศรี"
    inner = inner.replace("\"", "'").replace("“", "‘").replace("”", "’")
    return f"\"{thai.shorten(inner, limit) if limit else inner}\""


# -- greetings and thanks: what follows the word, said only to be polite ------------------------------
_POLITE = re.compile(r"(?:ครับผม|ครับ|คับ|ค่ะ|คะ|ค่า|คร่า|จ้ะ|จ้า|จ้ะ|ฮะ|นะ|น้า|นะคะ|นะครับ|มากๆ|มาก|ๆ|ทุกคน|ทุกท่าน|"
                     r"ตอนเช้า|ยามเช้า|ตอนบ่าย|ตอนเย็น|บอท|น้องบอท|admin|แอดมิน|krub|krab|ka|kha|na|so much|"
                     r"a lot|very much|all|everyone|[\s!?.,~^_\-:;)(]|[^\w\s])+$")


def social(typed: str, loose: bool = True) -> str:
    """"greeting" or "thanks" when a text greets or thanks; "" otherwise. Strict (`loose=False`, for a
    step's answer): only the word and polite particles ("ขอบคุณค่ะ"), never "ดีครับ" (also "it is good").
    Loose (a text that answers no step): a Thai greeting or thanks with anything after it too
    ("ขอบคุณสำหรับข้อมูลค่ะ")."""
    text = " ".join(typed.split()).casefold()
    for kind, word in (("thanks", words.THANKS), ("greeting", words.GREETING)):
        for spelling in sorted(word.spellings, key=len, reverse=True):
            if not loose and spelling.startswith("ดี"):
                continue
            after = text[len(spelling):] if text.startswith(spelling) else None
            if after is None:
                continue
            if not after or _POLITE.fullmatch(after):
                return kind
            if loose and len(text) <= 60 and (not spelling.isascii() or after.startswith(" ")):
                return kind
    return ""
