"""The words a person types to the bot: the contract in ../shared/DESIGN.md, each defined once.

Handlers route them (`router.text(words.PLEDGE, show)` routes every spelling), help lists them, the
rich menu and buttons type them (a `Word` is the `str` it types). The Thai spelling comes first;
the others are what the router also accepts.
"""
from __future__ import annotations


class Word(str):
    """A word as typed and as sent by a button, with the other spellings the router accepts."""

    aliases: tuple[str, ...]

    def __new__(cls, text: str, *aliases: str) -> Word:
        word = super().__new__(cls, text)
        word.aliases = aliases
        return word

    @property
    def spellings(self) -> tuple[str, ...]:
        return (str(self), *self.aliases)


def phrase(*parts: str) -> str:
    """A command with its argument, as a button types it: phrase(SUMMARY, LIST) → "สรุป รายชื่อ"."""
    return " ".join(str(p) for p in parts)


# -- what every registered person types -------------------------------------------------------------
REGISTER = Word("ลงทะเบียน", "register")  # ลงทะเบียน <invite code>
PLEDGE = Word("ปฏิญญา", "pledge")
PROPOSE = Word("ความดี", "propose")
PLAN = Word("แผน", "plan")
CHECK_IN = Word("เช็คอิน", "เช็กอิน", "checkin", "check-in")  # เช็คอิน [<activity code>]
ACTIVITIES = Word("กิจกรรม", "activities")
NOMINATE = Word("เสนอชื่อ", "nominate")  # เสนอชื่อ [บุคคล | หน่วยงาน | part of a name]
STATUS = Word("สถานะ", "status")
CANCEL = Word("ยกเลิก", "cancel")
HELP = Word("ช่วยเหลือ", "help", "เมนู", "menu")
RESUME = Word("ทำต่อ", "กลับไปทำต่อ", "resume")  # go back to the conversation a command put aside

# -- coordinators and executives ----------------------------------------------------------------------
SUMMARY = Word("สรุป", "summary")
OPEN_NOMINATIONS = Word("เปิดเสนอชื่อ")  # เปิดเสนอชื่อ [last day]
CLOSE_NOMINATIONS = Word("ปิดเสนอชื่อ")
NOMINATIONS = Word("สรุปเสนอชื่อ", "สรุป เสนอชื่อ", "nominations")
HONOURS = Word("ประกาศยกย่อง", "honours")
WEB = Word("เว็บ", "console")  # a one-time link into the coordinator's console
EVIDENCE = Word("หลักฐาน", "evidence")  # หลักฐาน [<link or note>]: evidence of an indicator
REPORTS = Word("รายงาน", "report")  # a signed, expiring link to download the year's documents
DIGEST = Word("สรุปรายสัปดาห์", "digest")  # สรุปรายสัปดาห์ [เปิด | ปิด]: one's own weekly digest in LINE
DIGEST_ON = Word("รับสรุป", "รับสรุปรายสัปดาห์", "เปิดสรุปรายสัปดาห์")
DIGEST_OFF = Word("ไม่รับสรุป", "ไม่รับสรุปรายสัปดาห์", "ปิดสรุปรายสัปดาห์", "งดสรุป")

# -- what follows a command ---------------------------------------------------------------------------
MINE = Word("ของฉัน", "mine")                 # ความดี ของฉัน, เสนอชื่อ ของฉัน
SEE = Word("ดู")                              # ความดี ดู: the same as ความดี ของฉัน
NAMES = Word("รายชื่อ", "ทั้งหมด", "list", "all")  # สรุป รายชื่อ
EVERYTHING = Word("ทั้งหมด", "all")            # สรุปเสนอชื่อ ทั้งหมด
ON = Word("เปิด", "รับ", "on")                 # สรุปรายสัปดาห์ เปิด
OFF = Word("ปิด", "ไม่รับ", "off")             # สรุปรายสัปดาห์ ปิด

# -- answers inside a conversation --------------------------------------------------------------------
PERSON = Word("บุคคล", "บุคคลคุณธรรม", "คน", "1")       # nominate a person
UNIT = Word("หน่วยงาน", "หน่วยงานคุณธรรม", "หน่วย", "2")  # nominate a unit
CONFIRM = Word("ยืนยัน", "ตกลง", "ใช่", "confirm")
SKIP = Word("ข้าม", "ไม่มี", "skip")                   # no evidence link yet

# -- what people say that is not a command: answered kindly, never "not understood" --------------------
# (followed by any polite particles: สวัสดีครับ, ขอบคุณมากค่ะ, ขอบคุณนะคะ)
GREETING = Word("สวัสดี", "หวัดดี", "ดีครับ", "ดีค่ะ", "ดีจ้า", "hello", "hi", "good morning")
THANKS = Word("ขอบคุณ", "ขอบใจ", "ขอบพระคุณ", "thank you", "thanks", "thx", "ty")

# -- buttons that type a command with its argument ------------------------------------------------------
PROPOSE_MINE = phrase(PROPOSE, MINE)
NOMINATE_MINE = phrase(NOMINATE, MINE)
SUMMARY_NAMES = phrase(SUMMARY, NAMES)
SUMMARY_ACTIVITIES = phrase(SUMMARY, ACTIVITIES)
NOMINATIONS_EVERYTHING = phrase(NOMINATIONS, EVERYTHING)
REGISTER_EXAMPLE = phrase(REGISTER, "KMTP4679")
