"""What the sandbox page says about a scheduled job: its Thai name on the button, and after a run
what it sent and to whom, or why it sent nothing (read from the JobRun the job recorded and the
pushes the fake LINE delivered)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.fakeline import MULTICAST, PUSH, Recorded
from models.jobrun import JobRun

# name → (button label, what it means when a run sent nothing and recorded nothing)
JOBS = {
    "weekly-digest": ("ส่งสรุปรายสัปดาห์", "ยังไม่มีผู้ประสานงานที่ลงทะเบียน LINE ไว้"),
    "deadline-reminders": ("ส่งการเตือนกำหนดเวลา", "วันนี้ไม่มีกำหนดเวลาที่ถึงรอบเตือน"),
    "nudges": ("ส่งข้อความชวนบุคลากรที่ยังไม่ได้ร่วม", "ไม่มีบุคลากรที่ต้องชวนในสัปดาห์นี้"),
    "outbox-retry": ("ส่งข้อความที่ค้างอยู่อีกครั้ง", "ไม่มีข้อความค้างส่ง"),
    "rich-menus": ("ปรับเมนู LINE ตามบทบาท",
                   "เมนูของทุกบัญชีตรงกับบทบาทอยู่แล้ว หรือยังไม่ได้ติดตั้งเมนูผู้ประสานงาน"
                   " (flask --app bot richmenu deploy)"),
    "milestone-snapshots": ("ถ่ายภาพข้อมูล ณ วันครบกำหนด",
                            "เมื่อวานไม่ใช่วันครบกำหนดของตัวชี้วัดใด จึงไม่มีภาพข้อมูลที่ต้องบันทึก"),
    "database-backup": ("สำรองฐานข้อมูล", "ยังไม่ได้ตั้งค่า BACKUP_DIR (โฟลเดอร์เก็บไฟล์สำรอง) จึงไม่ได้สำรองข้อมูล"),
    "documents": ("จัดทำเอกสารที่รอคิว", "ไม่มีชุดหลักฐานที่รอจัดทำ"),
    "personal-data-retention": ("ลบข้อมูลส่วนบุคคลของผู้ที่ออกจากสำนักงาน",
                                "ยังไม่ได้ตั้งค่า RETENTION_DAYS หรือยังไม่มีผู้ที่ออกจากสำนักงานครบระยะเวลาเก็บข้อมูล"),
}
NOTHING = {  # a recorded run that sent nothing, by its status
    "off": "ปิดอยู่ จึงไม่ได้ส่ง (เปิดด้วยคำสั่ง flask --app bot jobs nudges on)",
    "nothing": "",
    "held": "ระงับไว้ {held} ข้อความ ไม่ได้ส่ง",
}
ALREADY = "ส่งของ{period}ไปครบแล้ว จึงไม่ส่งซ้ำ"
NAMES_SHOWN = 5
_THAI = re.compile("[\u0e00-\u0e7f]")


def label(name: str) -> str:
    return JOBS.get(name, (name, ""))[0]


def order(name: str) -> tuple[int, str]:
    """The buttons in JOBS's order (the ones an office uses most first), any other job after them."""
    names = list(JOBS)
    return (names.index(name) if name in names else len(names), name)


def delivered(calls: list[Recorded]) -> Counter[str]:
    """Messages the fake LINE accepted for each user in these calls (pushes and multicasts)."""
    count: Counter[str] = Counter()
    for call in calls:
        if call.path not in (PUSH, MULTICAST) or call.status != 200 or not isinstance(call.body, dict):
            continue
        to = call.body.get("to")
        for user in [to] if isinstance(to, str) else list(dict.fromkeys(to or [])):
            count[user] += len(call.body.get("messages") or [])
    return count


@dataclass(frozen=True)
class Outcome:
    text: str
    messages: int
    recipients: int


def outcome(name: str, run: JobRun | None, sent: Counter[str], names: dict[str | None, str]) -> Outcome:
    """What a run did, in one Thai sentence or two."""
    title = label(name)
    messages = sum(sent.values())
    if messages:
        who = [names.get(user, "ผู้ใช้ LINE ที่ยังไม่ลงทะเบียน") for user in sent]
        listed = ", ".join(who[:NAMES_SHOWN]) + (f" และอีก {len(who) - NAMES_SHOWN} คน" if len(who) > NAMES_SHOWN
                                                 else "")
        text = f"{title}: ส่งแล้ว {messages:,} ข้อความ ถึง {len(sent):,} คน ({listed})"
        if run is not None and run.held:
            text += f" ระงับไว้ {run.held:,} ข้อความ{_why(run)}"
        return Outcome(text, messages, len(sent))
    if run is not None and run.status == "done" and not run.held and _THAI.search(run.detail):
        return Outcome(f"{title}: {run.detail} (งานนี้ไม่ส่งข้อความ)", 0, 0)  # e.g. the snapshots taken
    return Outcome(f"{title}: ไม่ได้ส่งข้อความ เพราะ{_reason(name, run)}", 0, 0)


def _reason(name: str, run: JobRun | None) -> str:
    if run is None:
        return JOBS.get(name, ("", "ไม่มีงานที่ต้องทำตอนนี้"))[1] or "ไม่มีงานที่ต้องทำตอนนี้"
    if run.status == "held" or run.held:
        return NOTHING["held"].format(held=f"{run.held:,}") + _why(run)
    if run.status == "off":
        return NOTHING["off"]
    if run.status == "done" and run.planned:
        return ALREADY.format(period="สัปดาห์นี้" if "-W" in run.period else "วันนี้" if len(run.period) == 10
                              else "รอบนี้")
    if run.detail and _THAI.search(run.detail):
        return run.detail
    if run.detail.endswith("has no plan in use"):
        return "ปีงบประมาณนี้ยังไม่มีแผนที่ใช้งาน"
    return JOBS.get(name, ("", "ไม่มีงานที่ต้องทำตอนนี้"))[1] or "ไม่มีงานที่ต้องทำตอนนี้"


def _why(run: JobRun) -> str:
    if run.detail and _THAI.search(run.detail):
        return f" ({run.detail})"
    if "quota" in run.detail:
        return " (โควตาข้อความของเดือนนี้ไม่พอ)"
    return ""
