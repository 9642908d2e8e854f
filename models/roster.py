"""Reading a roster file (CSV or .xlsx) and applying it to the staff table, all or nothing."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.staff import ROLES, Staff, ensure_invite_codes

COLUMNS = ("code", "name", "position", "unit", "role")
REQUIRED = ("code", "name", "unit")
# Thai headers are accepted too, as offices often type them that way.
HEADER_ALIASES = {
    "รหัส": "code", "รหัสบุคลากร": "code", "ชื่อ": "name", "ชื่อ-สกุล": "name", "ชื่อ-นามสกุล": "name",
    "ตำแหน่ง": "position", "หน่วยงาน": "unit", "กลุ่มงาน": "unit", "สังกัด": "unit", "บทบาท": "role",
}
ROLE_ALIASES = {
    "": "staff", "บุคลากร": "staff", "เจ้าหน้าที่": "staff",
    "ผู้ประสานงาน": "coordinator", "ผู้บริหาร": "executive",
}
MAX_FIELD = 200


@dataclass(frozen=True)
class RosterRow:
    line: int
    code: str
    name: str
    position: str
    unit: str
    role: str


@dataclass
class RosterError(Exception):
    problems: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(f"line {line}: {reason}" for line, reason in self.problems)


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    reactivated: int
    missing: list[str]
    retired: int


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores numeric codes as floats
    return " ".join(str(value).split())


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-874 / TIS-620 as Thai Excel saves CSV."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp874")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RosterError([(line, "the file is neither UTF-8 nor Windows-874 (TIS-620) text")]) from None


def read_table(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row of the file, the header included."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook  # only workbooks need it: 120 ms to import, kept off every start

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a broken file
            raise RosterError([(0, f"cannot open the workbook: {exc}")]) from None
        try:
            sheet = book.worksheets[0]
            return [
                (number, [_clean(c) for c in row])
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            book.close()
    text = decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, [_clean(c) for c in cells]))
    except csv.Error as exc:
        raise RosterError([(reader.line_num, f"not valid CSV: {exc}")]) from None
    return rows


def parse(path: Path) -> list[RosterRow]:
    """Every row of the file, or RosterError naming every bad line."""
    table = [(line, cells) for line, cells in read_table(path) if any(cells)]
    if not table:
        raise RosterError([(1, "the file is empty; expected a header: " + ",".join(COLUMNS))])
    header_line, header = table[0]
    names = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise RosterError([(header_line, f"missing column(s) {', '.join(missing)}; expected "
                            + ",".join(COLUMNS))])
    index = {name: names.index(name) for name in COLUMNS}
    problems: list[tuple[int, str]] = []
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        values = {c: (cells[i] if i < len(cells) else "") for c, i in index.items()}
        reasons = [f"{c} is empty" for c in REQUIRED if not values[c]]
        reasons += [f"{c} is longer than {MAX_FIELD} characters" for c in COLUMNS if len(values[c]) > MAX_FIELD]
        role = ROLE_ALIASES.get(values["role"], values["role"].lower())
        if role not in ROLES:
            reasons.append(f"role '{values['role']}' is not one of {', '.join(ROLES)}")
        code = values["code"]
        if code and code in seen:
            reasons.append(f"code '{code}' repeats line {seen[code]}")
        elif code:
            seen[code] = line
        if reasons:
            problems.append((line, "; ".join(reasons)))
            continue
        rows.append(RosterRow(line, code, values["name"], values["position"], values["unit"], role))
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError([(header_line, "the file has a header but no people")])
    return rows


def apply(db: Session, rows: list[RosterRow], retire_missing: bool = False) -> ImportReport:
    """Add or update people by code. Registrations are never dropped. Does not commit."""
    existing = {p.code: p for p in db.scalars(sa.select(Staff))}
    added = updated = unchanged = reactivated = 0
    for row in rows:
        person = existing.get(row.code)
        if person is None:
            db.add(Staff(code=row.code, name=row.name, position=row.position, unit=row.unit, role=row.role))
            added += 1
            continue
        changed = False
        for attr in ("name", "position", "unit", "role"):
            if getattr(person, attr) != getattr(row, attr):
                setattr(person, attr, getattr(row, attr))
                changed = True
        if not person.active:
            person.active = True
            reactivated += 1
        elif changed:
            updated += 1
        else:
            unchanged += 1
    in_file = {row.code for row in rows}
    missing = sorted(code for code, p in existing.items() if p.active and code not in in_file)
    if retire_missing:
        for code in missing:
            existing[code].active = False
    db.flush()
    ensure_invite_codes(db)
    return ImportReport(added, updated, unchanged, reactivated, missing, len(missing) if retire_missing else 0)
