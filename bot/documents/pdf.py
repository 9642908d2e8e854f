"""The office's documents as PDF: HTML from Jinja templates (bot/documents/templates), laid out by
WeasyPrint in Sarabun at 16 pt on A4, Buddhist-Era dates, Thai digits when asked.

    data = pdf.render("signatures.html", office=…, thai_digits=True, sheets=…)

Thai digits are applied to the text of the page only (never to the CSS, a link or an image), after
the template is rendered, so no template has to remember to convert a number.
"""
from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import thai
from bot.documents.invites import TEMPLATES, css_string, font_faces
from models.plan import Measured, State

# Tags, styles, scripts and character references (Jinja writes a quote in text as &#34;: its digits are
# no number of the page) are left as they are by thai_digits_in_html.
_TAGS = re.compile(r"(<style\b.*?</style>|<script\b.*?</script>|<[^>]*>|&#?\w+;)", re.S | re.I)
_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SHOWN_IMAGES = ("image/png", "image/jpeg", "image/gif", "image/webp")
KIND_TARGET = {"percent": "ร้อยละ {value}", "count": "{value}", "evidence": "มีหลักฐาน"}


def thai_digits(text: str) -> str:
    return text.translate(_TO_THAI)


def thai_digits_in_html(html: str) -> str:
    """Arabic digits of the page's text as Thai digits; tags, styles and scripts left as they are."""
    parts = _TAGS.split(html)
    return "".join(part if i % 2 else part.translate(_TO_THAI) for i, part in enumerate(parts))


# -- how values are written in documents -------------------------------------------------------------
def full_date(value: date | datetime | None) -> str:
    """`27 กุมภาพันธ์ 2569` (running text, letters)."""
    if value is None:
        return ""
    return f"{value.day} {thai.THAI_MONTHS_FULL[value.month - 1]} {value.year + thai.BUDDHIST_ERA}"


def short_date(value: date | datetime | None) -> str:
    """`27 ก.พ. 69` (tables)."""
    if value is None:
        return ""
    return f"{value.day} {thai.THAI_MONTHS[value.month - 1]} {(value.year + thai.BUDDHIST_ERA) % 100:02d}"


def date_time(value: datetime | None) -> str:
    """`27 ก.พ. 69 09:30 น.`"""
    return "" if value is None else f"{short_date(value)} {value:%H:%M} น."


def money(value: Decimal | float | None) -> str:
    """`12,500.00`; "" when there is none."""
    return "" if value is None else f"{Decimal(value):,.2f}"


def value_text(measured: Measured | None, kind: str, target: float) -> str:
    if measured is None:
        return "ยังไม่มีข้อมูล"
    if kind == "percent":
        counted = f" ({measured.done:,}/{measured.total:,})" if measured.total else ""
        return f"ร้อยละ {thai.percent(measured.value)}{counted}"
    if kind == "count":
        return f"{int(measured.value)}"
    return "มีแล้ว" if measured.value >= target else "ยังไม่มี"


def target_text(kind: str, target: float) -> str:
    return KIND_TARGET.get(kind, "{value}").format(value=thai.percent(target))


def state_text(state: State | str | None) -> str:
    if state is None:
        return "ยังไม่มีข้อมูล"
    return thai.STATE_NAMES.get(state.value if isinstance(state, State) else state, str(state))


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters.update(css_string=css_string, full_date=full_date, short_date=short_date, date_time=date_time,
                    money=money, percent=thai.percent, state_text=state_text)
_env.globals.update(value_text=value_text, target_text=target_text)
_env.tests["showable"] = lambda stored: stored.content_type in SHOWN_IMAGES  # what WeasyPrint can draw (not HEIC)


def html(template: str, *, thai_digits: bool = False, **context: Any) -> str:
    """The document as a standalone HTML page (what the PDF is made from)."""
    footer = context.pop("footer", "")
    text = _env.get_template(template).render(
        fonts=font_faces(), thai_digits=thai_digits,
        footer=footer.translate(_TO_THAI) if thai_digits else footer, **context)
    return thai_digits_in_html(text) if thai_digits else text


def render(template: str, *, thai_digits: bool = False, **context: Any) -> Any:
    """The document laid out by WeasyPrint (its pages, then write_pdf())."""
    return _document(html(template, thai_digits=thai_digits, **context))


def _document(page: str) -> Any:
    from weasyprint import HTML  # heavy (~0.5 s to import); only the documents need it

    return HTML(string=page, base_url=str(TEMPLATES)).render()


def layout(page: str) -> bytes:
    """An HTML page of html() as PDF (what a Layouts worker process runs)."""
    with _no_collection():
        data: bytes = _document(page).write_pdf()
    return data


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Python's cycle collector paused while WeasyPrint builds its millions of boxes (they are freed
    when the document goes; collecting as they are made took a quarter of the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        gc.collect()


def pdf(template: str, *, thai_digits: bool = False, **context: Any) -> bytes:
    return layout(html(template, thai_digits=thai_digits, **context))


def _worker_start() -> None:
    """A layout worker: below the web and clock processes in the CPU's queue (a chat reply comes
    before a page of the report), WeasyPrint loaded before the first page."""
    with contextlib.suppress(OSError):
        os.nice(10)
    import weasyprint  # noqa: F401


class Layouts:
    """Where PDFs are laid out while the caller goes on: in this process, each as it is asked for
    (`processes` 1), or by a pool of that many worker processes. WeasyPrint uses one core, and a
    large office's evidence pack is a dozen independent layouts: on two cores they take half the time.

        with pdf.Layouts(2) as layouts:
            later = layouts.pdf("docs/report.html", **context)   # a Future[bytes]
            folder = layouts.folder()                           # kept until the layouts end
            data = later.result()

    The page's HTML is made here (Jinja, the database's objects); a worker gets only that text and
    sends back the PDF. The pool starts when the second layout is asked for while the first is still
    waiting, so a document of one part never starts a process. Workers are spawned (not forked from
    a web process's threads) and end with the `with`."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[tuple[Future[bytes], str]] = []   # asked for before the pool started
        self._folders: list[Path] = []

    def __enter__(self) -> Layouts:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for waiting, _page in self._waiting:
            waiting.cancel()
        self._waiting.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for folder in self._folders:
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()

    def folder(self) -> Path:
        """A temporary folder for files the pages load (photos at print size), removed at the end."""
        made = Path(tempfile.mkdtemp(prefix="khunnatham-layout-"))
        self._folders.append(made)
        return made

    def pdf(self, template: str, *, thai_digits: bool = False, **context: Any) -> Future[bytes]:
        return self.page(html(template, thai_digits=thai_digits, **context))

    def page(self, page: str) -> Future[bytes]:
        if self._pool is not None:
            return self._pool.submit(layout, page)
        later: Future[bytes] = _Here(self)
        self._waiting.append((later, page))
        if self.processes > 1 and len(self._waiting) > 1:
            self._start()
        return later

    def _start(self) -> None:
        self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_worker_start)
        for waiting, page in self._waiting:
            _chain(self._pool.submit(layout, page), waiting)
        self._waiting.clear()

    def _here(self, later: Future[bytes]) -> None:
        """A layout still waiting when its result is asked for: done in this process now."""
        for i, (waiting, page) in enumerate(self._waiting):
            if waiting is later:
                del self._waiting[i]
                try:
                    data = layout(page)
                except BaseException as error:
                    later.set_exception(error)
                    raise
                later.set_result(data)
                return


class _Here(Future[bytes]):
    """A layout asked for before any pool: laid out here when its result is first wanted."""

    def __init__(self, owner: Layouts) -> None:
        super().__init__()
        self._owner: Layouts | None = owner

    def result(self, timeout: float | None = None) -> bytes:
        owner, self._owner = self._owner, None
        if owner is not None and not self.done():
            owner._here(self)
        data: bytes = super().result(timeout)
        return data


def _chain(source: Future[bytes], target: Future[bytes]) -> None:
    def copy(done: Future[bytes]) -> None:
        if target.cancelled():
            return
        error = done.exception()
        if error is not None:
            target.set_exception(error)
        else:
            target.set_result(done.result())
    source.add_done_callback(copy)


Later = Callable[[], bytes]


def numbered(parts: list[bytes], *, thai_digits: bool = False, landscape: bool = False) -> bytes:
    """Parts laid out one by one (each alone in memory, with `numbers_later`: no page numbers) as one
    file numbered "หน้า X / Y" across all its pages: a layer of numbers only (docs/numbers.html, an
    empty page with base.html's footer per page) drawn over the joined pages."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    layer = PdfReader(io.BytesIO(pdf("docs/numbers.html", thai_digits=thai_digits, landscape=landscape,
                                     pages=len(writer.pages), title="", office="", footer="")))
    for page, numbers in zip(writer.pages, layer.pages, strict=True):
        page.merge_page(numbers)
        page.compress_content_streams()  # merging leaves the page's drawing uncompressed (17 MB for 465 pages)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def joined(parts: list[bytes]) -> bytes:
    """PDFs laid out one by one (so only one is in memory at a time) as one file."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
