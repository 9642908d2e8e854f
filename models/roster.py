"""The roster: reading a roster file (CSV or .xlsx, from a path or its bytes), what importing it
would do, applying it to the staff table (all or nothing), and the roster as the console lists it
(searched, filtered, counted and paged in SQL)."""
from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.activity import CheckIn
from models.nomination import query_parts
from models.pledge import PledgeAck
from models.proposal import Proposal
from models.staff import INVITE_LENGTH, ROLES, Role, Staff, ensure_invite_codes, normalize_invite_code

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
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class RosterRow:
    line: int
    code: str
    name: str
    position: str
    unit: str
    role: str


class Problem(str, enum.Enum):
    """What is wrong with a line of a roster file (the console words each one in Thai)."""

    EMPTY_FILE = "empty_file"
    MISSING_COLUMNS = "missing_columns"  # `column`: the missing ones, comma-separated
    NO_PEOPLE = "no_people"
    ENCODING = "encoding"
    WORKBOOK = "workbook"                # `detail`: the library's message
    CSV = "csv"                          # `detail`: the library's message
    EMPTY = "empty"                      # `column`
    TOO_LONG = "too_long"                # `column`
    ROLE = "role"                        # `value`: the role as typed
    REPEAT = "repeat"                    # `value`: the code; `other_line`: where it came first


@dataclass(frozen=True)
class Issue:
    """One thing wrong with one line (line 0: the file as a whole)."""

    line: int
    problem: Problem
    column: str = ""
    value: str = ""
    other_line: int = 0
    detail: str = ""

    def __str__(self) -> str:
        match self.problem:
            case Problem.EMPTY_FILE:
                return "the file is empty; expected a header: " + ",".join(COLUMNS)
            case Problem.MISSING_COLUMNS:
                return f"missing column(s) {self.column.replace(',', ', ')}; expected " + ",".join(COLUMNS)
            case Problem.NO_PEOPLE:
                return "the file has a header but no people"
            case Problem.ENCODING:
                return "the file is neither UTF-8 nor Windows-874 (TIS-620) text"
            case Problem.WORKBOOK:
                return f"cannot open the workbook: {self.detail}"
            case Problem.CSV:
                return f"not valid CSV: {self.detail}"
            case Problem.EMPTY:
                return f"{self.column} is empty"
            case Problem.TOO_LONG:
                return f"{self.column} is longer than {MAX_FIELD} characters"
            case Problem.ROLE:
                return f"role '{self.value}' is not one of {', '.join(ROLES)}"
            case Problem.REPEAT:
                return f"code '{self.value}' repeats line {self.other_line}"
        return self.problem.value


class RosterError(Exception):
    """A file that imports nothing: every issue of every line."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(str(self))

    def by_line(self) -> list[tuple[int, list[Issue]]]:
        """The issues grouped by line, in the file's order."""
        grouped: dict[int, list[Issue]] = {}
        for issue in self.issues:
            grouped.setdefault(issue.line, []).append(issue)
        return list(grouped.items())

    @property
    def problems(self) -> list[tuple[int, str]]:
        """(line, the reasons in English) for each bad line, as the CLI prints them."""
        return [(line, "; ".join(str(i) for i in issues)) for line, issues in self.by_line()]

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
        raise RosterError([Issue(line, Problem.ENCODING)]) from None


def is_workbook(data: bytes) -> bool:
    """An .xlsx file (a zip archive) rather than CSV text, from its first bytes."""
    return data[:4] == b"PK\x03\x04"


def read_rows(data: bytes, workbook: bool) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row of a file's bytes, the header included."""
    if workbook:
        from openpyxl import load_workbook  # only workbooks need it: 120 ms to import, kept off every start

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a broken file
            raise RosterError([Issue(0, Problem.WORKBOOK, detail=str(exc))]) from None
        try:
            sheet = book.worksheets[0]
            return [
                (number, [_clean(c) for c in row])
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            book.close()
    text = decode(data)
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
        raise RosterError([Issue(reader.line_num, Problem.CSV, detail=str(exc))]) from None
    return rows


def read_table(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row of the file, the header included."""
    return read_rows(path.read_bytes(), path.suffix.lower() in WORKBOOK_SUFFIXES)


def parse(path: Path) -> list[RosterRow]:
    """Every row of the file (.xlsx by its name, else CSV), or RosterError naming every bad line."""
    return parse_bytes(path.read_bytes(), workbook=path.suffix.lower() in WORKBOOK_SUFFIXES)


def parse_bytes(data: bytes, workbook: bool | None = None) -> list[RosterRow]:
    """Every row of a file's bytes (an .xlsx workbook or CSV text, told apart by the bytes when
    `workbook` is None), or RosterError naming every bad line."""
    if workbook is None:
        workbook = is_workbook(data)
    table = [(line, cells) for line, cells in read_rows(data, workbook) if any(cells)]
    if not table:
        raise RosterError([Issue(1, Problem.EMPTY_FILE)])
    header_line, header = table[0]
    names = [HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise RosterError([Issue(header_line, Problem.MISSING_COLUMNS, column=",".join(missing))])
    index = {name: names.index(name) for name in COLUMNS}
    issues: list[Issue] = []
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        values = {c: (cells[i] if i < len(cells) else "") for c, i in index.items()}
        found = [Issue(line, Problem.EMPTY, column=c) for c in REQUIRED if not values[c]]
        found += [Issue(line, Problem.TOO_LONG, column=c) for c in COLUMNS if len(values[c]) > MAX_FIELD]
        role = ROLE_ALIASES.get(values["role"], values["role"].lower())
        if role not in ROLES:
            found.append(Issue(line, Problem.ROLE, value=values["role"]))
        code = values["code"]
        if code and code in seen:
            found.append(Issue(line, Problem.REPEAT, value=code, other_line=seen[code]))
        elif code:
            seen[code] = line
        if found:
            issues += found
            continue
        rows.append(RosterRow(line, code, values["name"], values["position"], values["unit"], role))
    if issues:
        raise RosterError(issues)
    if not rows:
        raise RosterError([Issue(header_line, Problem.NO_PEOPLE)])
    return rows


# -- what an import would do, then doing it -----------------------------------------------------------
FIELDS = ("name", "position", "unit", "role")  # what a file changes of a person already on the roster


@dataclass(frozen=True)
class Change:
    """A person already in the table whom the file changes (or brings back onto the roster)."""

    staff_id: int
    code: str
    name: str                           # as the file has it
    fields: dict[str, tuple[str, str]]  # column → (now, in the file)


@dataclass(frozen=True)
class Missing:
    """A person on the roster whom the file does not have."""

    staff_id: int
    code: str
    name: str
    unit: str


@dataclass(frozen=True)
class Preview:
    """What `apply` would do with these rows, computed without changing anything."""

    rows: int
    added: list[RosterRow]
    updated: list[Change]
    reactivated: list[Change]
    unchanged: int
    missing: list[Missing]
    coordinators_after: int           # coordinators on the roster once imported
    coordinators_after_retiring: int  # … when the missing people are retired too


def _differences(current: Any, row: RosterRow) -> dict[str, tuple[str, str]]:
    return {attr: (getattr(current, attr), getattr(row, attr))
            for attr in FIELDS if getattr(current, attr) != getattr(row, attr)}


def preview(db: Session, rows: list[RosterRow]) -> Preview:
    """What importing `rows` would add, change, bring back and leave out. One statement; writes
    nothing (a page can show it from a read-only session)."""
    existing = {r.code: r for r in db.execute(
        sa.select(Staff.id, Staff.code, Staff.name, Staff.position, Staff.unit, Staff.role, Staff.active))}
    added: list[RosterRow] = []
    updated: list[Change] = []
    reactivated: list[Change] = []
    unchanged = 0
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            added.append(row)
            continue
        change = Change(current.id, row.code, row.name, _differences(current, row))
        if not current.active:
            reactivated.append(change)
        elif change.fields:
            updated.append(change)
        else:
            unchanged += 1
    in_file = {row.code for row in rows}
    missing = sorted((Missing(r.id, r.code, r.name, r.unit) for r in existing.values()
                      if r.active and r.code not in in_file), key=lambda m: m.code)
    coordinator = Role.COORDINATOR.value
    from_file = sum(1 for row in rows if row.role == coordinator)
    kept = sum(1 for r in existing.values() if r.active and r.role == coordinator and r.code not in in_file)
    return Preview(len(rows), added, updated, reactivated, unchanged, missing,
                   coordinators_after=from_file + kept, coordinators_after_retiring=from_file)


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
        changes = _differences(person, row)
        for attr, (_, value) in changes.items():
            setattr(person, attr, value)
        if not person.active:
            person.active = True
            reactivated += 1
        elif changes:
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


# -- the roster as a list: searched, filtered, counted and paged in SQL -----------------------------
@dataclass(frozen=True)
class Filters:
    """Which people a list shows. `registered` and `active`: None for both."""

    search: str = ""  # part of a name (titles optional: "สมชาย" finds "นายสมชาย ใจดี"), a code or an invite code
    unit: str = ""
    role: str = ""
    registered: bool | None = None
    active: bool | None = True


@dataclass(frozen=True)
class Counts:
    """How many people each choice of a filter would show, the other filters kept."""

    units: list[tuple[str, int]]  # every unit of the table, by name
    roles: dict[str, int]
    registered: dict[bool, int]
    active: dict[bool, int]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(text: str) -> sa.ColumnElement[bool] | None:
    text = " ".join(text.split())
    if not text:
        return None
    parts = query_parts(text)  # the words without titles (นาย, นางสาว, ดร. …)
    by_name = sa.and_(*(Staff.name.ilike(_like(p), escape="\\") for p in parts)) if parts \
        else Staff.name.ilike(_like(text), escape="\\")
    found = [by_name, Staff.code.ilike(_like(text), escape="\\")]
    invite = normalize_invite_code(text)
    if len(invite) == INVITE_LENGTH:
        found.append(Staff.invite_code == invite)
    return sa.or_(*found)


def _conditions(filters: Filters, leave_out: str = "") -> list[sa.ColumnElement[bool]]:
    """The WHERE of `filters`, without the filter named `leave_out` (for its own counts)."""
    where: list[sa.ColumnElement[bool]] = []
    search = _search(filters.search)
    if search is not None:
        where.append(search)
    if filters.unit and leave_out != "unit":
        where.append(Staff.unit == filters.unit)
    if filters.role and leave_out != "role":
        where.append(Staff.role == filters.role)
    if filters.registered is not None and leave_out != "registered":
        where.append(Staff.line_user_id.is_not(None) if filters.registered else Staff.line_user_id.is_(None))
    if filters.active is not None and leave_out != "active":
        where.append(Staff.active.is_(True) if filters.active else Staff.active.is_(False))
    return where


def count(db: Session, filters: Filters) -> int:
    """How many people `filters` choose."""
    return db.scalar(sa.select(sa.func.count(Staff.id)).where(*_conditions(filters))) or 0


def listing(db: Session, filters: Filters, offset: int = 0, limit: int = 50) -> list[Staff]:
    """One page of the people `filters` choose, by unit and code."""
    return list(db.scalars(sa.select(Staff).where(*_conditions(filters))
                           .order_by(Staff.unit, Staff.code, Staff.id).offset(offset).limit(limit)))


def _counted(db: Session, column: Any, where: list[sa.ColumnElement[bool]]) -> dict[Any, int]:
    matching = sa.and_(*where) if where else sa.true()
    return {key: int(n or 0) for key, n in db.execute(
        sa.select(column, sa.func.sum(sa.case((matching, 1), else_=0))).group_by(column))}


def counts(db: Session, filters: Filters) -> Counts:
    """For each filter, how many people each of its choices would show (4 statements)."""
    units = _counted(db, Staff.unit, _conditions(filters, "unit"))
    roles = _counted(db, Staff.role, _conditions(filters, "role"))
    registered = _counted(db, Staff.line_user_id.is_not(None), _conditions(filters, "registered"))
    active = _counted(db, Staff.active, _conditions(filters, "active"))
    return Counts(units=sorted(units.items()), roles={r: roles.get(r, 0) for r in ROLES},
                  registered={flag: registered.get(flag, 0) for flag in (True, False)},
                  active={flag: active.get(flag, 0) for flag in (True, False)})


def units(db: Session) -> list[str]:
    """Every unit of the table, by name."""
    return list(db.scalars(sa.select(Staff.unit).distinct().order_by(Staff.unit)))


@dataclass(frozen=True)
class Involvement:
    """What a person has done: acknowledgments, check-ins, proposals (not withdrawn)."""

    acknowledgments: int
    check_ins: int
    proposals: int


def involvement(db: Session, staff_id: int) -> Involvement:
    """One statement."""
    acks = sa.select(sa.func.count(PledgeAck.id)).where(PledgeAck.staff_id == staff_id).scalar_subquery()
    checks = sa.select(sa.func.count(CheckIn.id)).where(CheckIn.staff_id == staff_id).scalar_subquery()
    proposed = sa.select(sa.func.count(Proposal.id)).where(
        Proposal.staff_id == staff_id, Proposal.withdrawn_at.is_(None)).scalar_subquery()
    row = db.execute(sa.select(acks, checks, proposed)).one()
    return Involvement(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


# -- invite sheets ---------------------------------------------------------------------------------------
def without_invite_code(db: Session) -> int:
    """People who have no invite code yet (ensure_invite_codes gives them one)."""
    return db.scalar(sa.select(sa.func.count(Staff.id)).where(Staff.invite_code.is_(None))) or 0


def _invited(unregistered: bool, unit: str) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [Staff.active.is_(True)]
    if unregistered:
        where.append(Staff.line_user_id.is_(None))
    if unit:
        where.append(Staff.unit == unit)
    return where


def invitee_count(db: Session, unregistered: bool = False, unit: str = "") -> int:
    return db.scalar(sa.select(sa.func.count(Staff.id)).where(*_invited(unregistered, unit))) or 0


class Invitee(NamedTuple):
    name: str
    unit: str
    invite_code: str
    staff_id: int


def invitees(db: Session, unregistered: bool = False, unit: str = "", offset: int = 0,
             limit: int = 500) -> list[Invitee]:
    """People on the roster (only the unregistered, of one unit, when asked) with their invite codes,
    by unit and code, one slice of them."""
    return [Invitee(name, unit_, code or "", id_) for name, unit_, code, id_ in db.execute(
        sa.select(Staff.name, Staff.unit, Staff.invite_code, Staff.id).where(*_invited(unregistered, unit))
        .order_by(Staff.unit, Staff.code, Staff.id).offset(offset).limit(limit))]
