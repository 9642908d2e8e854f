"""The documents an assessor accepts, each as of a moment: the progress report, its memo (PDF and Word),
the pledge's signature sheet (1.2), the proposals table (1.1), the plan in the standard columns (2.1),
the honour announcement with a certificate per honouree (4.1), the draft appointment order (2.2,
Word), and the evidence pack (a .zip with a folder per indicator and an index of every file's sha256).

    office = reports.Office.of(settings, verify_url=…)
    data = reports.progress(db, plan, at, office)
    reports.pack(db, plan, at, office, out)     # out: a path or a binary file

The CLI (`flask --app bot report …`), the console's reports page and LINE's download link call these
same functions. Content comes from models/report.py; nothing here commits.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import itertools
import re
import shutil
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy.orm import Session

from bot import links, thai, uploads
from bot.config import Settings
from bot.documents import pdf
from bot.documents.word import Memo
from models import evidence as proofs
from models import measures
from models import report as content
from models import snapshot as snapshots
from models.plan import Plan, State
from models.proposal import VIRTUES

MAX_PHOTOS = 4        # per activity in the report; the pack holds them all
MAX_COMMENTS = 200    # staff comments quoted in the plan document (the count covers all)
# Past this many people the signature sheet lists one line per person under each unit instead of a
# table: WeasyPrint lays out about 100 table rows a second on a 2-CPU VM, so 10,000 rows took minutes.
COMPACT_SIGNATURES = 2000
SIGNATURE_PART = 5000  # people laid out at a time in a longer sheet (about 230 pages)
# The same for the proposals table: 5,000 rows as a table took 84 s and 980 MB, as lines 6.5 s and 270 MB.
COMPACT_PROPOSALS = 1000

KINDS = ("progress", "memo", "memo-docx", "signatures", "proposals", "plan", "honours", "order", "xlsx", "pack")
FILE_NAMES = {
    "progress": "รายงานผลการดำเนินงาน.pdf", "memo": "บันทึกข้อความ.pdf", "memo-docx": "บันทึกข้อความ.docx",
    "signatures": "บัญชีรายชื่อรับทราบปฏิญญา.pdf", "proposals": "ตารางข้อเสนอ.pdf", "plan": "แผนส่งเสริมคุณธรรม.pdf",
    "honours": "ประกาศและเกียรติบัตร.pdf", "order": "ร่างคำสั่งแต่งตั้ง.docx", "xlsx": "ข้อมูลทั้งปี.xlsx",
    "pack": "ชุดหลักฐาน.zip",
}


@dataclass(frozen=True)
class Office:
    """Who the documents speak for, and how they are written."""

    name: str
    tz: ZoneInfo
    head: str = ""                 # who signs; "" leaves a dotted line
    head_position: str = ""
    supervisor: str = ""           # to whom the memo goes
    document_code: str = ""        # the memo's ที่ ("ชร 0017"); "" leaves it to fill in
    uploads_dir: Path | None = None
    verify_url: Callable[[int], str] | None = None   # a certificate's check link, from its honour id
    garuda: Path | None = None     # the emblem for the memo and the announcement, when the office has one
    thai_digits: bool = False
    snapshot_lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a warning)
    processes: int = 1             # layouts side by side (Settings.report_processes)

    @classmethod
    def of(cls, settings: Settings, db: Session | None = None, plan: Plan | None = None, at: datetime | None = None,
           thai_digits: bool = False) -> Office:
        """The office as the settings name it; given a plan and a moment, with the snapshot line its
        reports state (and any later change of a snapshotted record, as a warning)."""
        key = settings.signing_key
        base = settings.public_base_url
        lines = snapshot_lines(db, plan, at, settings.tz) if db is not None and plan is not None and at else []
        return cls(settings.office_name, settings.tz, settings.office_head, settings.office_head_position,
                   settings.supervisor, settings.document_code, settings.uploads_dir,
                   (lambda honour_id: links.certificate_check(base, key, honour_id)) if key else None,
                   settings.garuda_image, thai_digits, lines, settings.report_processes)

    def layouts(self) -> pdf.Layouts:
        return pdf.Layouts(self.processes)

    def context(self, plan: Plan, at: datetime, title: str) -> dict[str, Any]:
        local = at.astimezone(self.tz)
        return dict(office=self.name, fiscal_year=plan.fiscal_year, at=local, tz=self.tz, title=title,
                    head=self.head, head_position=self.head_position, thai_digits=self.thai_digits,
                    footer=f"{title} · ข้อมูล ณ {thai.thai_date(local)}",
                    garuda=self.garuda.as_uri() if self.garuda and self.garuda.is_file() else "",
                    snapshot_lines=[{"text": t, "warn": w} for t, w in self.snapshot_lines])


# -- the progress report and its memo ----------------------------------------------------------------
def round_name(plan: Plan, at: datetime) -> str:
    """"รอบ 6 เดือน" up to the end of March, "รอบ 12 เดือน" after it (the same report, later)."""
    return "รอบ 6 เดือน" if at.date() <= date(plan.starts_on.year + 1, 3, 31) else "รอบ 12 เดือน"


def report_title(plan: Plan, at: datetime) -> str:
    return f"รายงานผลการดำเนินงานตามแผนส่งเสริมคุณธรรม {round_name(plan, at)}"


PROGRESS_PART = 200  # activities laid out at a time in a longer report


def progress(db: Session, plan: Plan, at: datetime, office: Office, part_size: int = PROGRESS_PART) -> bytes:
    """The progress report. Past `part_size` activities it is laid out in parts (the heading and the
    indicators, the activities `part_size` at a time, the rest), numbered as one file: WeasyPrint keeps every
    page of a layout until it is written, and 1,000 activities with their photos took 640 MB at once."""
    with office.layouts() as layouts:
        return _progress(db, plan, at, office, layouts, part_size)()


def _progress(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts,
              part_size: int = PROGRESS_PART) -> pdf.Later:
    year = content.year(db, plan, at)
    context = dict(office.context(plan, at, report_title(plan, at)), year=year, done_state=State.DONE,
                   max_photos=MAX_PHOTOS, photo_src=_photo_src(office, layouts.folder()),
                   channel_names=proofs.CHANNELS, award_kinds=proofs.AWARD_KINDS)
    activities = year.activities
    if len(activities) <= part_size:
        return layouts.pdf("docs/report.html", **context).result
    parts = [layouts.pdf("docs/report.html", **context, part="head", numbers_later=True)]
    parts += [layouts.pdf("docs/report.html", **context, part="activities", acts=activities[i:i + part_size],
                          first=i, numbers_later=True) for i in range(0, len(activities), part_size)]
    parts.append(layouts.pdf("docs/report.html", **context, part="tail", numbers_later=True))
    return functools.partial(_numbered, parts, office.thai_digits)


def snapshot_lines(db: Session, plan: Plan, at: datetime, tz: ZoneInfo) -> list[tuple[str, bool]]:
    """What a report says about the snapshot it stands on: which one, and every later change found."""
    found, findings = snapshots.state(db, plan, at, tz)
    lines = [(found.reference, False)] if found is not None else [
        ("ยังไม่มีภาพรวมข้อมูล ณ วันครบกำหนด (ข้อมูลในรายงานนี้เป็นข้อมูลปัจจุบัน)", False)]
    lines.extend((f.message, True) for f in findings if f.day <= at.astimezone(tz).date())
    return lines


PHOTO_PIXELS = 900  # the long side of a photo as the report prints it (about 8 cm at 300 dpi)


def _photo_src(office: Office, folder: Path) -> Callable[[Any], str]:
    """Where the report finds a stored photo: a copy at print size in `folder` (a phone's 4,000-pixel
    photos made a report of a thousand activities 27 MB; the pack keeps the originals)."""
    def src(stored: Any) -> str:
        path = uploads.path_of(office.uploads_dir, stored.stored_name) if office.uploads_dir else None
        if path is None:
            return ""
        small = folder / f"{stored.id}.jpg"
        if not small.exists():
            try:
                with Image.open(path) as image:
                    image.draft("RGB", (PHOTO_PIXELS, PHOTO_PIXELS))  # a JPEG decoded at 1/2, 1/4 … of its size
                    image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
                    image.convert("RGB").save(small, "JPEG", quality=82, optimize=True)
            except (OSError, ValueError):  # not an image Pillow reads: the report leaves it out
                return ""
        return small.as_uri()
    return src


def memo_of(db: Session, plan: Plan, at: datetime, office: Office) -> Memo:
    """The memo that sends the progress report up: background, what was done, what is asked."""
    lines = content.indicator_lines(db, plan, at)
    done = sum(1 for line in lines if line.state is State.DONE)
    activities = content.activity_lines(db, plan, at)
    carried = sum(1 for a in activities if a.done_at is not None)
    local = at.astimezone(office.tz)
    year = plan.fiscal_year
    pledge = next((line for line in lines if line.code == "1.2" and line.measured), None)
    facts = (f"บัดนี้ {office.name} ได้ดำเนินการตามแผนดังกล่าวแล้ว ข้อมูล ณ วันที่ {pdf.full_date(local)} "
             f"บรรลุตัวชี้วัดแล้ว {done} จาก {len(lines)} ตัวชี้วัด ดำเนินกิจกรรมแล้ว {carried} จาก {len(activities)} กิจกรรม")
    if pledge is not None and pledge.measured is not None:
        facts += f" บุคลากรรับทราบปฏิญญาร้อยละ {thai.percent(pledge.measured.value)}"
    behind = [line.code for line in lines if line.state in (State.BEHIND, State.OVERDUE)]
    if behind:
        facts += f" ตัวชี้วัดที่ยังล่าช้า ได้แก่ {' '.join(behind)}"
    paragraphs = [
        f"ตามที่ {office.name} ได้จัดทำแผนส่งเสริมคุณธรรม ประจำปีงบประมาณ พ.ศ. {year} เพื่อขับเคลื่อนการเป็น"
        f"องค์กรคุณธรรม โดยบุคลากรทุกคนมีส่วนร่วมกำหนดคุณธรรมเป้าหมาย ร่วมจัดทำแผน และร่วมกิจกรรมตามแผน นั้น",
        facts + " รายละเอียดปรากฏตามรายงานที่แนบมาพร้อมนี้",
        "จึงเรียนมาเพื่อโปรดทราบ",
    ]
    number = f"{office.document_code}/" if office.document_code else ""
    return Memo(office.name, number, local.date(), f"{report_title(plan, at)} ประจำปีงบประมาณ พ.ศ. {year}",
                office.supervisor or "ผู้บังคับบัญชา", paragraphs,
                [report_title(plan, at), "บัญชีรายชื่อการรับทราบปฏิญญา", "ชุดหลักฐานตามตัวชี้วัด"],
                office.head, office.head_position)


def _memo(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    found = memo_of(db, plan, at, office)
    return layouts.pdf("docs/memo.html", **office.context(plan, at, "บันทึกข้อความ"), memo=found).result


def _memo_docx(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    from bot.documents import word

    data = word.memo(memo_of(db, plan, at, office), thai_digits=office.thai_digits, garuda=office.garuda)
    return lambda: data


# -- the documents of single indicators --------------------------------------------------------------
@dataclass(frozen=True)
class UnitRun:
    """People of one unit on a page of a long signature sheet, each with their number in the unit."""

    unit: str
    count: int          # the whole unit's
    signed: int
    continued: bool     # the unit began in an earlier part
    rows: list[tuple[int, content.Signature]]


def signature_parts(rows: list[content.Signature], size: int = SIGNATURE_PART) -> list[list[UnitRun]]:
    """A long sheet's people (by unit) in parts of at most `size` lines, each laid out on its own. A
    unit that fits in what is left of a part stays whole; a unit larger than a part is split."""
    parts: list[list[UnitRun]] = []
    current: list[UnitRun] = []
    filled = 0
    for unit, group in itertools.groupby(rows, key=lambda r: r.unit):
        members = list(group)
        count, signed = len(members), sum(1 for r in members if r.acknowledged_at is not None)
        start = 0
        while start < count:
            if filled and filled + count - start > size:
                parts.append(current)
                current, filled = [], 0
            take = min(count - start, size - filled)
            current.append(UnitRun(unit, count, signed, start > 0,
                                   [(start + i + 1, row) for i, row in enumerate(members[start:start + take])]))
            filled += take
            start += take
    if current:
        parts.append(current)
    return parts


def signatures(db: Session, plan: Plan, at: datetime, office: Office, compact_over: int = COMPACT_SIGNATURES,
               part_size: int = SIGNATURE_PART) -> bytes:
    """One sheet per pledge document in use, each numbered on its own, then joined. Past `compact_over`
    people a sheet lists one line a person under their unit, laid out `part_size` people at a time
    (WeasyPrint keeps a document's every line in memory until it is written: one sheet of 10,000 took
    380 MB, two at once 570 MB)."""
    with office.layouts() as layouts:
        return _signatures(db, plan, at, office, layouts, compact_over, part_size)()


def _signatures(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts,
                compact_over: int = COMPACT_SIGNATURES, part_size: int = SIGNATURE_PART) -> pdf.Later:
    sheets = content.signature_sheets(db, at)
    context = office.context(plan, at, "บัญชีรายชื่อการรับทราบปฏิญญา")
    if not sheets:
        return layouts.pdf("docs/signatures.html", **context, sheets=[], compact=False).result
    laters: list[pdf.Later] = []
    for sheet in sheets:
        if sheet.headcount <= compact_over:
            laters.append(layouts.pdf("docs/signatures.html", **context, sheets=[sheet], compact=False).result)
            continue
        parts = signature_parts(sheet.rows, part_size)
        if len(parts) == 1:
            laters.append(layouts.pdf("docs/signatures.html", **context, sheets=[sheet], compact=True,
                                      runs=parts[0]).result)
            continue
        pending = [layouts.pdf("docs/signatures.html", **context, sheets=[sheet], compact=True, runs=runs,
                               opens=i == 0, closes=i == len(parts) - 1, numbers_later=True)
                   for i, runs in enumerate(parts)]
        laters.append(functools.partial(_numbered, pending, office.thai_digits))
    return lambda: pdf.joined([later() for later in laters])


def _numbered(parts: list[Future[bytes]], thai_digits: bool) -> bytes:
    return pdf.numbered([part.result() for part in parts], thai_digits=thai_digits)


def proposals(db: Session, plan: Plan, at: datetime, office: Office, names: bool = True) -> bytes:
    with office.layouts() as layouts:
        return _proposals(db, plan, at, office, layouts, names)()


def _proposals(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts,
               names: bool = True) -> pdf.Later:
    title = "ตารางข้อเสนอ ปัญหาที่อยากแก้ ความดีที่อยากทำ และคุณธรรมเป้าหมาย"
    table = content.proposal_table(db, plan, at)
    return layouts.pdf("docs/proposals.html", **office.context(plan, at, title), table=table, names=names,
                       compact=len(table.rows) > COMPACT_PROPOSALS).result


def _plan_document(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    participation = next((p for p in measures.progress(db, plan, at) if p.indicator.measure == "plan_participation"),
                         None)
    share = (f"{participation.measured.done:,} คน จาก {participation.measured.total:,} คน "
             f"(ร้อยละ {thai.percent(participation.measured.value)})") if participation else "ยังไม่มีข้อมูล"
    return layouts.pdf("docs/plan.html", **office.context(plan, at, "แผนส่งเสริมคุณธรรม"), landscape=True,
                       activities=content.activity_lines(db, plan, at), comments=content.plan_comments(db, plan, at),
                       participation=share, max_comments=MAX_COMMENTS).result


def _honours(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    found = content.honour_lines(db, plan, at)
    announced = max((h.honoured_at for h in found), default=at).astimezone(office.tz)

    def qr(h: content.HonourLine) -> str:
        link = office.verify_url(h.honour_id) if office.verify_url else ""
        return "data:image/png;base64," + base64.b64encode(links.qr_png(link or str(h.honour_id))).decode("ascii")

    return layouts.pdf("docs/honours.html", **office.context(plan, at, "ประกาศยกย่องบุคคลและหน่วยงานคุณธรรม"),
                       honours=found, announced_on=announced, qr=qr, virtues=VIRTUES,
                       nominations=sum(h.nominations for h in found)).result


def _order_docx(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    from bot.documents import word

    data = word.order(office.name, plan.fiscal_year, at.astimezone(office.tz).date(),
                      content.activity_lines(db, plan, at), office.head, office.head_position,
                      thai_digits=office.thai_digits)
    return lambda: data


def _xlsx(db: Session, plan: Plan, at: datetime, office: Office, layouts: pdf.Layouts) -> pdf.Later:
    from bot.documents import workbook

    out = io.BytesIO()
    workbook.write(db, plan, at, out, tz=office.tz, thai_digits=office.thai_digits)
    return out.getvalue


# Each document asked for (its PDF layouts handed to `layouts`, Word and Excel made at once), then
# read when wanted: a caller with a pool asks for several before reading any.
BUILDERS: dict[str, Callable[[Session, Plan, datetime, Office, pdf.Layouts], pdf.Later]] = {
    "progress": _progress, "memo": _memo, "memo-docx": _memo_docx, "signatures": _signatures,
    "proposals": _proposals, "plan": _plan_document, "honours": _honours, "order": _order_docx, "xlsx": _xlsx,
}


def build(kind: str, db: Session, plan: Plan, at: datetime, office: Office) -> bytes:
    """One document (BUILDERS) as bytes, its parts laid out side by side when the office allows."""
    with office.layouts() as layouts:
        return BUILDERS[kind](db, plan, at, office, layouts)()


# -- the evidence pack -------------------------------------------------------------------------------
@dataclass(frozen=True)
class PackEntry:
    path: str          # inside the .zip
    indicator_code: str
    title: str
    dated: date | None
    size: int
    sha256: str

    @property
    def size_text(self) -> str:
        return f"{self.size / 1024:,.1f} KB" if self.size < 1024 * 1024 else f"{self.size / 1024 / 1024:,.1f} MB"


# Which generated documents go in which indicator's folder.
PACK_DOCUMENTS = (("1.1", "proposals"), ("1.2", "signatures"), ("2.1", "plan"), ("2.2", "order"),
                  ("3.1", "progress"), ("4.1", "honours"), ("4.4", "progress"), ("4.4", "memo"), ("4.4", "memo-docx"))
PACK_FIRST = ("progress", "signatures", "plan", "proposals", "honours", "memo", "order", "memo-docx")  # longest first
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _safe(name: str, limit: int = 80) -> str:
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "ไฟล์"
    return cleaned[:limit]


def pack(db: Session, plan: Plan, at: datetime, office: Office, out: str | Path | IO[bytes]) -> list[PackEntry]:
    """Write the evidence pack: a folder per indicator ("1.2 ประกาศเจตนารมณ์/") with its generated
    documents and every evidence file recorded for it, the workbook and the index PDF at the top.
    Files are copied from disk in blocks (a pack of a thousand photos never sits in memory). Returns
    what the index lists."""
    titles = {i.code: i.title for i in plan.indicators}
    folders = {code: _safe(f"{code} {title}", 40) for code, title in titles.items()}
    entries: list[PackEntry] = []
    taken: set[str] = set()
    today = at.astimezone(office.tz).date()

    def unique(path: str) -> str:
        stem, dot, ext = path.rpartition(".")
        candidate, n = path, 2
        while candidate in taken:
            candidate = f"{stem} ({n}).{ext}" if dot else f"{path} ({n})"
            n += 1
        taken.add(candidate)
        return candidate

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf, \
            office.layouts() as layouts:
        def add_bytes(folder: str, name: str, data: bytes, code: str, title: str, dated: date | None) -> None:
            path = unique(f"{folder}/{name}" if folder else name)
            zf.writestr(path, data, compress_type=_compression(path))
            entries.append(PackEntry(path, code, title, dated, len(data), hashlib.sha256(data).hexdigest()))

        # Every document asked for first, the longest first (with a pool of layout processes they are
        # laid out while this process makes the workbook and copies the files), then put in in order.
        wanted = {kind for code, kind in PACK_DOCUMENTS if code in folders}
        made = {kind: BUILDERS[kind](db, plan, at, office, layouts) for kind in PACK_FIRST if kind in wanted}
        workbook = BUILDERS["xlsx"](db, plan, at, office, layouts)()
        got: dict[str, bytes] = {}
        for code, kind in PACK_DOCUMENTS:
            if code in folders:
                if kind not in got:
                    got[kind] = made.pop(kind)()
                add_bytes(folders[code], FILE_NAMES[kind], got[kind], code, FILE_NAMES[kind].rsplit(".", 1)[0], today)
        got.clear()
        add_bytes("", FILE_NAMES["xlsx"], workbook, "", "ข้อมูลทั้งปี (Excel)", today)
        del workbook

        without_file = []
        for item in content.evidence_lines(db, plan, at):
            stored = item.file
            source = uploads.path_of(office.uploads_dir, stored.stored_name) if stored and office.uploads_dir else None
            if stored is None or source is None:
                without_file.append(item)
                continue
            folder = folders.get(item.indicator_code, _safe(item.indicator_code))
            if item.activity_title:
                folder += "/" + _safe(item.activity_title, 60)
            path = unique(f"{folder}/{item.dated.isoformat()} {_safe(stored.original_name or item.title)}")
            entries.append(_copy(zf, source, path, item.indicator_code, item.title, item.dated))
        filed = {item.file.id for item in content.evidence_lines(db, plan, at) if item.file is not None}
        folder_31 = folders.get("3.1", "3.1")
        for activity in content.activity_lines(db, plan, at):
            for stored in activity.photos + activity.files:
                source = uploads.path_of(office.uploads_dir, stored.stored_name) if office.uploads_dir else None
                if stored.id in filed or source is None:
                    continue
                dated = stored.uploaded_at.astimezone(office.tz).date()
                name = f"{_safe(activity.title, 60)}/{dated.isoformat()} {_safe(stored.original_name)}"
                path = unique(f"{folder_31}/{name}")
                entries.append(_copy(zf, source, path, "3.1", f"{activity.title}: {stored.original_name}", dated))
        index = layouts.pdf("docs/index.html", **office.context(plan, at, "สารบัญชุดหลักฐาน"), landscape=True,
                            entries=entries, links=without_file).result()
        zf.writestr(unique("สารบัญ.pdf"), index, compress_type=_compression(".pdf"))
    return entries


# Already compressed: deflating a phone's JPEG or a PDF again costs time and saves a few per cent.
_COMPRESSED = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".pdf", ".docx", ".xlsx", ".zip", ".mp4")


def _compression(path: str) -> int:
    return zipfile.ZIP_STORED if path.lower().endswith(_COMPRESSED) else zipfile.ZIP_DEFLATED


def _copy(zf: zipfile.ZipFile, source: Path, path: str, code: str, title: str, dated: date) -> PackEntry:
    """Copy a stored file into the pack in blocks, hashing what is written."""
    digest, size = hashlib.sha256(), 0
    member = zipfile.ZipInfo(path, datetime.now().timetuple()[:6])
    member.compress_type = _compression(path)
    with source.open("rb") as src, zf.open(member, "w") as dst:
        while block := src.read(1 << 20):
            digest.update(block)
            size += len(block)
            dst.write(block)
    return PackEntry(path, code, title, dated, size, digest.hexdigest())


def write(kind: str, db: Session, plan: Plan, at: datetime, office: Office, out: Path, names: bool = True) -> None:
    """One document (KINDS) to a file; `names=False`: the proposals table without who proposed what."""
    if kind == "pack":
        with out.open("wb") as f:
            pack(db, plan, at, office, f)
        return
    data = proposals(db, plan, at, office, names=False) if kind == "proposals" and not names \
        else build(kind, db, plan, at, office)
    with out.open("wb") as f:
        shutil.copyfileobj(io.BytesIO(data), f)
