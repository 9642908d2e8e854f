"""The plan file's errors in Thai. models/planfile.py says them as the CLI prints them, a field path and
an English message (`indicators[0].milestones[0].due: Input should be a valid date…`); the console
keeps the path (it names the place in the file, as the CLI does) and says the rest in Thai."""
from __future__ import annotations

import re
from dataclasses import dataclass

PARTS = {"indicators": "ตัวชี้วัดลำดับที่", "milestones": "หมุดหมายที่", "activities": "กิจกรรมลำดับที่",
         "responsible": "ผู้รับผิดชอบคนที่"}

# (pattern of the English message, the Thai; \1… are the pattern's groups), first match wins
MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the virtue must be one of (.+), or empty",  # names the virtues in Thai: before the next one
     r"คุณธรรมเป้าหมายต้องเป็น \1 อย่างใดอย่างหนึ่ง หรือเว้นว่าง"),
    (r"(.*[\u0E00-\u0E7F].*)", r"\1"),  # said in Thai already (the console's own checks)
    (r"Field required", "ขาดช่องนี้"),
    (r"Extra inputs are not permitted", "ไม่รู้จักช่องนี้ (สะกดผิด หรือไม่ได้ใช้ในไฟล์แผน)"),
    (r"Input should be a valid date or datetime, (.*)", "ต้องเป็นวันที่ที่มีจริง เช่น 2027-02-27"),
    (r"Input should be a valid date.*", "ต้องเป็นวันที่ที่มีจริง เช่น 2027-02-27"),
    (r"Input should be a valid datetime.*", "ต้องเป็นวันและเวลา เช่น 2027-01-20T09:00:00+07:00"),
    (r"Input should be a valid (number|integer|decimal).*", "ต้องเป็นตัวเลข"),
    (r"Input should be a valid boolean.*", "ต้องเป็น true หรือ false"),
    (r"Input should be a valid list.*", "ต้องเป็นรายการ (ขึ้นบรรทัดแต่ละรายการด้วย - )"),
    (r"Input should be a valid (dictionary|mapping).*", "ต้องเป็นชุดของช่อง (ชื่อช่อง: ค่า)"),
    (r"Input should be a valid string.*", "ต้องเป็นข้อความ"),
    (r"Input should be greater than or equal to (\S+)", r"ต้องไม่น้อยกว่า \1"),
    (r"Input should be less than or equal to (\S+)", r"ต้องไม่เกิน \1"),
    (r"Input should be greater than (\S+)", r"ต้องมากกว่า \1"),
    (r"Input should be less than (\S+)", r"ต้องน้อยกว่า \1"),
    (r"String should have at least 1 character.*", "ต้องไม่เว้นว่าง"),
    (r"String should have at most (\d+) characters?", r"ยาวได้ไม่เกิน \1 ตัวอักษร"),
    (r"List should have at least 1 item.*", "ต้องมีอย่างน้อย 1 รายการ"),
    (r"String should match pattern '\^\\d\+\(\\\.\\d\+\)\*\$'", "ต้องเป็นตัวเลขคั่นด้วยจุด เช่น 1.2"),
    (r"String should match pattern '\^\[a-z0-9\].*", "ใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก ตัวเลข และ - (ไม่เกิน 64 ตัว)"),
    (r"String should match pattern.*", "รูปแบบไม่ถูกต้อง"),
    (r"Input should be (.+)", r"ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: \1"),
    (r"give exactly one of percent, count or evidence.*", "ใส่เป้าหมายอย่างใดอย่างหนึ่ง: percent, count หรือ evidence"),
    (r"milestones must have different dates, earliest first",
     "หมุดหมายต้องมีวันที่ไม่ซ้ำกัน เรียงจากวันที่ก่อนไปหลัง"),
    (r"an end needs a start", "มีเวลาสิ้นสุด (end) แต่ไม่มีเวลาเริ่ม (start)"),
    (r"start and end need a time zone.*", "เวลาเริ่มและเวลาสิ้นสุดต้องมีเขตเวลา เช่น 2027-01-20T09:00:00+07:00"),
    (r"end must be after (the )?start", "เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่ม"),
    (r"give both lat and lon, or neither", "ใส่ทั้ง lat และ lon หรือไม่ใส่ทั้งคู่"),
    (r"indicator code repeated: (.+)", r"รหัสตัวชี้วัดซ้ำกัน: \1"),
    (r"activity key repeated: (.+)", r"รหัสกิจกรรม (key) ซ้ำกัน: \1"),
    (r"not valid YAML at line (\d+), column (\d+): (.*)",
     r"ไม่ใช่ไฟล์ YAML ที่ถูกต้อง ที่บรรทัด \1 คอลัมน์ \2 (ตรวจการเว้นวรรคย่อหน้าและเครื่องหมาย : [ ] ที่บรรทัดนั้นหรือก่อนหน้า)"),
    (r"not valid YAML.*", "ไม่ใช่ไฟล์ YAML ที่ถูกต้อง"),
    (r"expected a mapping with .*", "ไฟล์แผนต้องเริ่มด้วยช่อง office, fiscal_year, indicators และ activities"),
    (r"not UTF-8 text", "อ่านตัวอักษรไม่ได้ กรุณาบันทึกไฟล์เป็นข้อความ UTF-8"),
    (r"no person with code (.+)", r"ไม่มีบุคลากรรหัส \1 ในทะเบียน"),
    (r"the (problem to solve|good to do) is longer than ([\d,]+) characters", r"ยาวได้ไม่เกิน \2 ตัวอักษร"),
    (r"the indicator code must be .*", "ต้องเป็นรหัสตัวชี้วัด ตัวเลขคั่นด้วยจุด เช่น 3.1"),
    (r"no indicator (.+) in this plan", r"ไม่มีตัวชี้วัด \1 ในแผนนี้ (ดูรหัสในส่วน indicators)"),
    (r"the budget( used)? must be 0 or more baht", "ต้องเป็นจำนวนเงิน 0 บาทขึ้นไป"),
    (r"the budget( used)? must be below .*", "ต้องน้อยกว่า 10,000 ล้านบาท"),
    (r"the budget( used)? has more than 2 decimals", "ทศนิยมได้ไม่เกิน 2 ตำแหน่ง (สตางค์)"),
)
_COMPILED = tuple((re.compile(pattern), thai) for pattern, thai in MESSAGES)
_PATH = re.compile(r"^(?P<path>[A-Za-z_][\w.\[\]]*): (?P<message>.+)$", re.S)


@dataclass(frozen=True)
class Explained:
    path: str     # as the CLI prints it (the place in the file), or "" for the whole file
    where: str    # the same in Thai words: "ตัวชี้วัดลำดับที่ 1 › หมุดหมายที่ 1 › due"
    message: str  # Thai
    original: str  # the CLI's message, for whoever edits the file with the CLI's help


def where(path: str) -> str:
    words = []
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", path):
        if index and name in PARTS:
            words.append(f"{PARTS[name]} {int(index) + 1}")
        elif index:
            words.append(f"{name} ลำดับที่ {int(index) + 1}")
        else:
            words.append(name)
    return " › ".join(words)


def explain(problem: str, file_name: str) -> Explained:
    """One of PlanFileError.problems for a file uploaded as `file_name`."""
    if problem.startswith(f"{file_name}: "):  # about the whole file (its encoding, its YAML)
        path, message = "", problem.removeprefix(f"{file_name}: ")
    elif (found := _PATH.match(problem)) is not None:
        path, message = found.group("path"), found.group("message")
    else:
        path, message = "", problem
    for pattern, thai in _COMPILED:
        matched = pattern.fullmatch(message.strip())
        if matched:
            text = matched.expand(thai).replace("' or '", "' หรือ '")
            break
    else:
        text = f"ค่าไม่ถูกต้อง ({message})"
    return Explained(path, where(path) if path else "ทั้งไฟล์", text, message)
