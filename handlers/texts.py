"""Thai phrases that several handlers (and the shell) share, in the office's voice. A phrase only one
capability says stays in that capability's module."""
from __future__ import annotations

from bot import thai, words
from bot.router import Notices
from models.base import LengthProblem
from models.nomination import MAX_TITLE, NominationError, NominationRound, Refusal

# What the router says itself (handlers.register_all hands it over).
NOTICES = Notices(
    coordinators_only=f"ขออภัย คำสั่งนี้ใช้ได้เฉพาะผู้ประสานงานและผู้บริหารค่ะ พิมพ์ \"{words.HELP}\" "
                      "เพื่อดูคำสั่งที่ใช้ได้",
    timed_out="{flow}ที่ค้างไว้หมดเวลาแล้ว (เกิน 30 นาที) เริ่มใหม่ได้เสมอค่ะ",
    left="ยกเลิก{flow}ที่ค้างไว้แล้วค่ะ",
    unnamed_flow="รายการ",
)

# The webhook's answer when a handler failed: nothing of the event was stored.
APOLOGY = "ขออภัย ระบบขัดข้องชั่วคราว ยังไม่ได้บันทึกรายการนี้ กรุณาลองใหม่อีกครั้งค่ะ"

NO_ACTIVITY = "ไม่พบกิจกรรมนี้แล้วค่ะ"
TYPE_CANCEL_TO_LEAVE = f"(พิมพ์ {words.CANCEL} เพื่อออก)"


def length_problem(problem: LengthProblem) -> str:
    """A typed answer (a problem, a good, a plan comment) that is too short or too long."""
    if problem.short:
        return f"ข้อความสั้นเกินไป กรุณาพิมพ์อย่างน้อย {problem.limit} ตัวอักษร"
    return f"ข้อความยาวเกินไป ({problem.length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {problem.limit} ตัวอักษร"


def reason_problem(problem: LengthProblem) -> str:
    """A nomination's reason that is too short or too long."""
    if problem.short:
        return f"กรุณาเล่าเหตุผลอย่างน้อย 1 ประโยค (อย่างน้อย {problem.limit} ตัวอักษร)"
    return f"เหตุผลยาวเกินไป ({problem.length} ตัวอักษร) กรุณาสรุปให้ไม่เกิน {problem.limit} ตัวอักษร"


# Why the rules refused a round change, nomination or honour (models.nomination.Refusal), without
# the closing ค่ะ: the handler ends the sentence.
REFUSALS = {
    Refusal.TITLE_LENGTH: f"ชื่อรอบต้องมี 1 ถึง {MAX_TITLE} ตัวอักษร",
    Refusal.NO_TIME_ZONE: "เวลาเปิดต้องระบุเขตเวลา",
    Refusal.ROUND_OPEN: "มีรอบ \"{title}\" เปิดอยู่แล้ว กรุณาปิดรอบนั้นก่อน",
    Refusal.ROUND_SCHEDULED: "มีรอบ \"{title}\" กำหนดเปิดไว้แล้ว กรุณายกเลิกรอบนั้นก่อน",
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
    if exc.refusal is Refusal.REASON and isinstance(problem, LengthProblem):
        return reason_problem(problem)
    return REFUSALS[exc.refusal].format(**exc.details)


def with_unit(name: str, unit: str) -> str:
    """`นายสมชาย ใจดี (อำเภอเมือง)`, or the name alone."""
    return f"{name} ({unit})" if unit else name


def last_day(round_: NominationRound) -> str:
    """A round's last day, `31 มี.ค. 2569`; "" when it has none."""
    return thai.thai_date(round_.closes_on) if round_.closes_on else ""
