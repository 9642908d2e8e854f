"""The coordinator's side of the nominations (indicator 4.1): open and close a round, the tally
(ranked by distinct nominators, per virtue and overall, with reasons, never nominators), mark the
honourees, and the announcement to forward to the office's LINE group (by reply: no push quota).
The staff's side, nominating, is handlers/nomination.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from bot import links, thai, words
from bot import messages as ui
from bot.router import Context, Reply, Router, coordinator_only
from handlers import texts
from handlers.texts import with_unit
from models import nomination as nominations
from models import plan as plans
from models.nomination import PERSON, UNIT, Entry, Nomination, NominationError, NominationRound, Refusal
from models.proposal import VIRTUES

# Postback actions keep the "nomination." names they had before honours had a module of their own:
# cards already in people's chats still carry them.
HONOUR = "nomination.honour"      # a=nomination.honour&n=<a nomination of the nominee>&v=<0 overall, 1–5>
UNHONOUR = "nomination.unhonour"  # same parameters
ANNOUNCE = "nomination.announce"  # a=nomination.announce&r=<round id>
CLOSE_OK = "honours.close_ok"     # a=honours.close_ok&r=<round id>: ปิดเสนอชื่อ, confirmed
CLOSE_NO = "honours.close_no"     # a=honours.close_no&r=<round id>: kept open
CLOSE_FLOW = "nomination_close"   # ปิดเสนอชื่อ asks first: closing cannot be undone

GOLD = "#B8860B"
# How much of the tally the cards show, most first: (nominees per kind overall, per virtue, reasons each
# overall, per virtue, characters per reason). The first that fits LINE's carousel limit is used.
TALLY_DETAIL = ((5, 3, 2, 1, 70), (5, 3, 1, 1, 50), (5, 3, 1, 0, 40), (5, 2, 0, 0, 0), (3, 1, 0, 0, 0))
MAX_CAROUSEL_BYTES = 48_000  # LINE allows 50 KB of JSON for a carousel; keep a margin
MAX_SHARE_URL = 4000  # the share link goes on a button (LINE takes a URI of up to 10,000 characters)
NOMINATE_BUTTON = "เสนอชื่อ"  # the invitation card's button: opens the chat with เสนอชื่อ typed
SHARE_BUTTON = "แชร์เป็นข้อความ"  # the announcement's: LINE's share screen with the announcement as text


def register(router: Router) -> None:
    router.text(words.OPEN_NOMINATIONS, open_round)
    router.flow(CLOSE_FLOW, "การปิดรับการเสนอชื่อ", steps=("confirm",), draft=CloseDraft)
    router.text(words.CLOSE_NOMINATIONS, close_round)
    router.step(CLOSE_FLOW, "confirm", typed_close, prompt=ask_close)
    router.postback(CLOSE_OK, close_confirmed)
    router.postback(CLOSE_NO, close_cancelled)
    router.text(words.NOMINATIONS, tally)
    router.sub(words.NOMINATIONS, words.EVERYTHING, tally_all)
    router.text(words.HONOURS, announce)
    router.postback(HONOUR, honour)
    router.postback(UNHONOUR, unhonour)
    router.postback(ANNOUNCE, announce_round)


# -- rounds ----------------------------------------------------------------------------------------
@coordinator_only
def open_round(ctx: Context, args: str = "") -> Reply:
    closes_on = None
    if args.strip():
        closes_on = thai.parse_day(args, ctx.now.date())
        if closes_on is None:
            return [ui.text(f"ไม่เข้าใจวันปิดรับ \"{args[:30]}\" ค่ะ\n"
                            f"พิมพ์เช่น {words.OPEN_NOMINATIONS} 31 มี.ค. 2569 หรือ {words.OPEN_NOMINATIONS} 31/3/2569 "
                            f"(หรือ {words.OPEN_NOMINATIONS} เฉย ๆ แล้วพิมพ์ {words.CLOSE_NOMINATIONS} "
                            "เมื่อต้องการปิด)")]
    plan = plans.current(ctx.db, ctx.now)
    try:
        round_ = nominations.start_round(ctx.db, ctx.now, closes_on=closes_on, plan_id=plan.id if plan else None,
                                         by=ctx.staff)
    except NominationError as exc:
        return [ui.text(f"{texts.refusal(exc)}ค่ะ", ui.chips(words.CLOSE_NOMINATIONS, words.NOMINATIONS))]
    until = (f"ปิดรับเมื่อสิ้นวันที่ {texts.last_day(round_)}" if round_.closes_on
             else f"ยังไม่กำหนดวันปิด พิมพ์ \"{words.CLOSE_NOMINATIONS}\" เมื่อต้องการปิดรับ")
    return [ui.text(f"เปิดรับการเสนอชื่อแล้วค่ะ\n\"{round_.title}\"\n{until}\n\n"
                    "ชวนทุกคนร่วมเสนอชื่อ: ส่งต่อการ์ดด้านล่างไปยังกลุ่ม LINE ของสำนักงาน "
                    "(กดค้างที่การ์ด แล้วเลือก \"ส่งต่อ\") "
                    f"ใครแตะปุ่ม \"{NOMINATE_BUTTON}\" ในการ์ด แชตนี้จะเปิดขึ้นพร้อมคำว่า {words.NOMINATE} ให้กดส่งได้เลย"),
            ui.flex(f"ชวนร่วมเสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม: {round_.title}", _invitation(ctx, round_),
                    ui.chips(words.NOMINATIONS, words.CLOSE_NOMINATIONS))]


def _invitation(ctx: Context, round_: NominationRound) -> ui.Flex:
    """The card the coordinator forwards to the office's group: its button opens the chat with the
    office's account with เสนอชื่อ typed (the link is on the button, never shown)."""
    body = [ui.label(round_.title, size="sm", weight="bold", color=ui.INK),
            ui.label("ร่วมเสนอชื่อเพื่อนร่วมงานหรือหน่วยงานที่เป็นแบบอย่างด้าน" + " ".join(VIRTUES),
                     size="sm", color=ui.INK, margin="md")]
    if round_.closes_on:
        body.append(ui.label(f"เปิดรับถึงสิ้นวันที่ {texts.last_day(round_)}", size="xs", color=ui.GREY))
    body.append(ui.label(f"แตะปุ่มด้านล่าง แชตของสำนักงานจะเปิดขึ้นพร้อมคำว่า {words.NOMINATE} แล้วกดส่ง",
                         size="xs", color=ui.GREY, margin="md"))
    return ui.bubble("ชวนร่วมเสนอชื่อ", body, subtitle=ctx.settings.office_name, color=GOLD,
                     footer=[ui.link_button(NOMINATE_BUTTON, links.nominate(ctx.settings.bot_basic_id), color=GOLD)])


@dataclass(frozen=True)
class CloseDraft:
    round: int = 0  # the round the coordinator was asked about


def _to_close(ctx: Context) -> NominationRound | None:
    """The round ปิดเสนอชื่อ would close: the open one, or else the one scheduled."""
    return nominations.open_round(ctx.db, ctx.now) or nominations.next_round(ctx.db, ctx.now)


@coordinator_only
def close_round(ctx: Context, args: str = "") -> Reply:
    """ปิดเสนอชื่อ: ask first (closing cannot be undone; nothing is closed yet)."""
    round_ = _to_close(ctx)
    if round_ is None:
        return [ui.text(f"{texts.refusal(Refusal.NO_ROUND)}ค่ะ", ui.chips(words.OPEN_NOMINATIONS, words.NOMINATIONS))]
    ctx.begin(CLOSE_FLOW, "confirm", CloseDraft(round=round_.id))
    return ask_close(ctx)


def ask_close(ctx: Context) -> Reply:
    round_ = _to_close(ctx)
    if round_ is None or round_.id != ctx.draft(CloseDraft).round:
        ctx.end()
        return [ui.text("รอบที่ถามไว้เปลี่ยนไปแล้วค่ะ จึงยังไม่ได้ปิดรอบใด "
                        f"พิมพ์ \"{words.CLOSE_NOMINATIONS}\" อีกครั้งหากยังต้องการปิด")]
    if round_.opens_at > ctx.now:
        question = (f"ยกเลิกรอบ {texts.quoted(round_.title, None)} ที่กำหนดเปิดไว้ใช่ไหมคะ?\n"
                    "ยกเลิกแล้วรอบนี้จะไม่เปิดรับการเสนอชื่อ")
    else:
        result = nominations.tally(ctx.db, round_)
        question = (f"ปิดรับการเสนอชื่อรอบ {texts.quoted(round_.title, None)} ใช่ไหมคะ?\n"
                    f"ตอนนี้มีผู้ร่วมเสนอชื่อ {result.nominators} คน รวม {result.nominations} รายการ\n"
                    "ปิดแล้วจะเปิดรับต่อไม่ได้ และถอนการเสนอชื่อไม่ได้")
    return [ui.text(question, ui.chips(
        ui.pick_chip(words.CONFIRM, "ยืนยันการปิดรับการเสนอชื่อ", CLOSE_OK, r=round_.id),
        ui.pick_chip(words.CANCEL, "ยังไม่ปิดรับการเสนอชื่อ", CLOSE_NO, r=round_.id)))]


def _asked(ctx: Context, round_id: int) -> bool:
    c = ctx.conversation
    return c is not None and c.flow == CLOSE_FLOW and round_id != 0 and ctx.draft(CloseDraft).round == round_id


@coordinator_only
def close_confirmed(ctx: Context, r: str) -> Reply:
    round_id = ui.row_id(r)
    if not _asked(ctx, round_id):
        return [ui.text(f"ปุ่มนี้ใช้ไม่ได้แล้วค่ะ ยังไม่ได้ปิดรอบใด พิมพ์ \"{words.CLOSE_NOMINATIONS}\" อีกครั้งหากยังต้องการปิด",
                        ui.chips(words.NOMINATIONS))]
    return _close(ctx, round_id)


@coordinator_only
def typed_close(ctx: Context, text: str) -> Reply:
    if text.strip().casefold() in words.CONFIRM.spellings:
        return _close(ctx, ctx.draft(CloseDraft).round)
    return ask_close(ctx)


@coordinator_only
def close_cancelled(ctx: Context, r: str) -> Reply:
    if _asked(ctx, ui.row_id(r)):
        ctx.end()
    return [ui.text("ไม่ได้ปิดรอบค่ะ รอบการเสนอชื่อยังเป็นไปตามเดิม", ui.chips(words.NOMINATIONS))]


def _close(ctx: Context, round_id: int) -> Reply:
    ctx.end()
    current = _to_close(ctx)
    if current is None or current.id != round_id:  # closed meanwhile, or another round since
        return [ui.text("รอบนี้ปิดไปแล้ว หรือเปลี่ยนไปแล้วค่ะ จึงไม่ได้ปิดรอบใดเพิ่ม", ui.chips(words.NOMINATIONS))]
    try:
        round_ = nominations.close_round(ctx.db, ctx.now)
    except NominationError as exc:
        return [ui.text(f"{texts.refusal(exc)}ค่ะ", ui.chips(words.OPEN_NOMINATIONS, words.NOMINATIONS))]
    if round_.opens_at > ctx.now:
        return [ui.text(f"ยกเลิกรอบ {texts.quoted(round_.title, None)} ที่กำหนดเปิดไว้แล้วค่ะ")]
    result = nominations.tally(ctx.db, round_)
    return [ui.text(f"ปิดรับการเสนอชื่อแล้วค่ะ\n{texts.quoted(round_.title, None)}\n"
                    f"มีผู้ร่วมเสนอชื่อ {result.nominators} คน รวม {result.nominations} รายการ\n"
                    f"แตะ \"{words.NOMINATIONS}\" เพื่อดูผลและเลือกผู้ได้รับการยกย่อง", ui.chips(words.NOMINATIONS))]


# -- the tally -----------------------------------------------------------------------
def _virtue_code(virtue_: str) -> int:
    return VIRTUES.index(virtue_) + 1 if virtue_ else 0


def _virtue_of_code(v: str) -> str | None:
    if not v.isdigit() or int(v) > len(VIRTUES):
        return None
    return VIRTUES[int(v) - 1] if int(v) else ""


def _status(ctx: Context, round_: NominationRound) -> str:
    if round_.is_open(ctx.now):
        return "ยังเปิดรับอยู่" + (f" ถึง {texts.last_day(round_)}" if round_.closes_on else "")
    day = nominations.closed_on(round_, ctx.settings.tz)
    return f"ปิดรับแล้ว {thai.thai_date(day)}" if day else "ปิดรับแล้ว"


def _entry_box(entry: Entry, rank: int, virtue_: str, reasons: int, overall: bool, cut: int) -> ui.Flex:
    contents: list[ui.Flex] = [{"type": "box", "layout": "horizontal", "contents": [
        ui.label(f"{rank}. {entry.name}", size="sm", weight="bold", color=ui.INK, flex=1),
        ui.figure(f"{entry.count} คน", size="xs"),
    ]}]
    if entry.kind == PERSON and entry.unit:
        contents.append(ui.label(entry.unit, size="xxs", color=ui.GREY))
    if overall:
        spread = " · ".join(f"{v} {entry.virtues[v]}" for v in VIRTUES if entry.virtues.get(v))
        contents.append(ui.label(f"ด้าน: {spread}", size="xxs", color=ui.GREEN))
    contents += [ui.label(f"“{thai.shorten(r, cut)}”", size="xxs", color=ui.INK) for r in entry.reasons[:reasons]]
    code = _virtue_code(virtue_)
    what = f" ด้าน{virtue_}" if virtue_ else ""
    if virtue_ in entry.honours:
        contents.append({"type": "box", "layout": "horizontal", "contents": [
            ui.label(f"✓ ได้รับการยกย่อง{what}", size="xs", color=ui.GREEN, weight="bold", flex=3,
                     gravity="center"),
            {"type": "button", "style": "link", "height": "sm", "flex": 2,
             "action": ui.postback("ยกเลิก", UNHONOUR, display_text=f"ยกเลิกการยกย่อง {entry.name}{what}",
                                   n=entry.ref, v=code)},
        ]})
    else:
        action = ui.postback(f"ยกย่อง{what}", HONOUR, display_text=f"ยกย่อง {entry.name}{what}", n=entry.ref,
                             v=code)
        contents.append({"type": "button", "style": "secondary", "height": "sm", "margin": "sm",
                         "action": action})
    return {"type": "box", "layout": "vertical", "margin": "lg", "spacing": "xs", "contents": contents}


def _section(title: str, entries: list[Entry], show: int, virtue_: str, reasons: int, cut: int,
             overall: bool = False) -> list[ui.Flex]:
    out: list[ui.Flex] = [ui.label(title, size="sm", weight="bold", color=ui.INK, margin="lg")]
    if not entries:
        return out + [ui.label("ยังไม่มีผู้ถูกเสนอชื่อ", size="xs", color=ui.GREY)]
    out += [_entry_box(e, i, virtue_, reasons, overall, cut) for i, e in enumerate(entries[:show], start=1)]
    if len(entries) > show:
        out.append(ui.label(f"และอีก {len(entries) - show} ราย (ดูทั้งหมด: {words.NOMINATIONS_EVERYTHING})", size="xxs",
                            color=ui.GREY, margin="sm"))
    return out


def _latest_tally(ctx: Context) -> tuple[nominations.Tally | None, str, Reply]:
    """The latest round's tally and its heading; or (None, "", what to answer) when there is none yet."""
    round_ = nominations.latest_round(ctx.db, ctx.now)
    if round_ is None:
        return None, "", [ui.text(f"ยังไม่มีรอบการเสนอชื่อค่ะ พิมพ์ \"{words.OPEN_NOMINATIONS}\" เพื่อเปิดรอบ",
                                  ui.chips(words.OPEN_NOMINATIONS))]
    result = nominations.tally(ctx.db, round_)
    head = (f"สรุปการเสนอชื่อ \"{round_.title}\" ({_status(ctx, round_)})\n"
            f"ผู้ร่วมเสนอชื่อ {result.nominators} คน รวม {result.nominations} รายการ")
    if not result.nominations:
        return None, head, [ui.text(head + "\nยังไม่มีผู้เสนอชื่อค่ะ")]
    return result, head, []


@coordinator_only
def tally(ctx: Context, args: str = "") -> Reply:
    result, head, answer = _latest_tally(ctx)
    if result is None:
        return answer
    sub = f"ผู้เสนอ {result.nominators} คน · {result.nominations} รายการ"
    for detail in TALLY_DETAIL:
        carousel = ui.carousel(_tally_cards(result, sub, *detail))
        if len(json.dumps(carousel, ensure_ascii=False).encode("utf-8")) <= MAX_CAROUSEL_BYTES:
            break
    top = result.overall.people[:1] + result.overall.units[:1]
    alt = f"สรุปการเสนอชื่อ: {sub}"
    if top:
        alt += "; อันดับ 1 " + ", ".join(f"{e.name} {e.count} คน" for e in top)
    intro = (f"{head}\nเรียงตามจำนวนผู้เสนอ (แต่ละคนนับครั้งเดียว) · "
             "แตะ \"ยกย่อง\" เพื่อบันทึกผู้ได้รับการยกย่อง\n"
             "🔒 ข้อมูลการเสนอชื่อเป็นความลับ ไม่แสดงชื่อผู้เสนอ")
    chips = ui.chips(words.NOMINATIONS_EVERYTHING, words.HONOURS)
    return [ui.text(intro), ui.flex(alt, carousel, quick_reply=chips)]


def _tally_cards(result: nominations.Tally, sub: str, show: int, show_virtue: int, reasons: int,
                 reasons_virtue: int, cut: int) -> list[ui.Flex]:
    """The overall card, then one card per virtue that has nominations."""
    overall = result.overall
    body = (_section("บุคคลคุณธรรม", overall.people, show, "", reasons, cut, True) + [ui.separator()]
            + _section("หน่วยงานคุณธรรม", overall.units, show, "", reasons, cut, True))
    cards = [ui.bubble("ภาพรวมทุกด้าน", body, subtitle=sub)]
    for v in VIRTUES:
        section = result.by_virtue[v]
        if section.people or section.units:
            body = (_section("บุคคล", section.people, show_virtue, v, reasons_virtue, cut) + [ui.separator()]
                    + _section("หน่วยงาน", section.units, show_virtue, v, reasons_virtue, cut))
            cards.append(ui.bubble(f"ด้าน{v}", body, subtitle=result.round.title))
    return cards


@coordinator_only
def tally_all(ctx: Context, args: str = "") -> Reply:
    """Every nominee with every reason (tagged with its virtue) overall; then the ranking per virtue."""
    result, head, answer = _latest_tally(ctx)
    if result is None:
        return answer
    lines = [f"📊 {head}", "เรียงตามจำนวนผู้เสนอ (แต่ละคนนับครั้งเดียว)"]

    def add(title: str, entries: list[Entry], virtue_: str, reasons: bool) -> None:
        lines.append(f"\n{title}")
        if not entries:
            lines.append("- ยังไม่มี")
        for i, e in enumerate(entries, start=1):
            mark = " ✓ยกย่องแล้ว" if virtue_ in e.honours else ""
            lines.append(f"{i}. {with_unit(e.name, e.unit if e.kind == PERSON else '')} — {e.count} คน{mark}")
            if reasons:
                lines.extend(f"   • [{v}] {r}" for v, r in e.tagged)

    add("🏅 ภาพรวม: บุคคลคุณธรรม", result.overall.people, "", True)
    add("🏢 ภาพรวม: หน่วยงานคุณธรรม", result.overall.units, "", True)
    for v in VIRTUES:
        section = result.by_virtue[v]
        if section.people or section.units:
            add(f"ด้าน{v}: บุคคล", section.people, v, False)
            add(f"ด้าน{v}: หน่วยงาน", section.units, v, False)
    return ui.texts(lines)


def _nomination(ctx: Context, n: str) -> Nomination | None:
    nomination_id = ui.row_id(n)
    return ctx.db.get(Nomination, nomination_id) if nomination_id else None


@coordinator_only
def honour(ctx: Context, n: str, v: str) -> Reply:
    nomination, virtue_ = _nomination(ctx, n), _virtue_of_code(v)
    if nomination is None or virtue_ is None:
        return [ui.text(f"ไม่พบรายการนี้แล้วค่ะ (อาจถูกถอน) พิมพ์ \"{words.NOMINATIONS}\" เพื่อดูผลล่าสุด",
                        ui.chips(words.NOMINATIONS))]
    name = nominations.display_name(ctx.db, nomination)
    what = f" ด้าน{virtue_}" if virtue_ else ""
    _, created = nominations.honour_nominee_of(ctx.db, nomination, ctx.now, virtue=virtue_, by=ctx.staff)
    lines = [f"บันทึกให้ {name} ได้รับการยกย่อง{what} แล้วค่ะ" if created
             else f"{name} ได้รับการยกย่อง{what} อยู่แล้วค่ะ"]
    round_ = nominations.get_round(ctx.db, nomination.round_id)
    assert round_ is not None
    lines.append(f"ผู้ได้รับการยกย่องในรอบนี้ {len(nominations.honourees(ctx.db, round_))} ราย")
    lines.append(_indicator_line(ctx))
    return [ui.text("\n".join(lines), ui.chips(words.HONOURS, words.NOMINATIONS))]


def _indicator_line(ctx: Context) -> str:
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        return ""
    standing = nominations.honours_standing(ctx.db, plan, ctx.now)
    if standing is None:
        return ""
    if standing.met:
        return "ตัวชี้วัด 4.1: ครบแล้ว (มีผู้ได้รับการยกย่อง และจัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว)"
    ceremony = ("จัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว" if standing.held
                else "ยังไม่ได้บันทึกว่าจัดกิจกรรมยกย่องเชิดชูเกียรติ")
    return (f"ตัวชี้วัด 4.1: ยกย่องแล้ว {standing.honoured} ราย · {ceremony}\n"
            "ตัวชี้วัดจะครบเมื่อมีผู้ได้รับการยกย่อง และบันทึกว่าจัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว")


@coordinator_only
def unhonour(ctx: Context, n: str, v: str) -> Reply:
    nomination, virtue_ = _nomination(ctx, n), _virtue_of_code(v)
    if nomination is None or virtue_ is None:
        return [ui.text("ไม่พบรายการนี้แล้วค่ะ", ui.chips(words.NOMINATIONS))]
    round_ = nominations.get_round(ctx.db, nomination.round_id)
    assert round_ is not None
    name = nominations.display_name(ctx.db, nomination)
    what = f" ด้าน{virtue_}" if virtue_ else ""
    if not nominations.remove_honour(ctx.db, round_, nomination.target, virtue_):
        return [ui.text(f"{name} ไม่ได้อยู่ในรายชื่อผู้ได้รับการยกย่อง{what}ค่ะ", ui.chips(words.NOMINATIONS))]
    return [ui.text(f"ยกเลิกการยกย่อง {name}{what} แล้วค่ะ", ui.chips(words.NOMINATIONS, words.HONOURS))]


# -- the announcement -------------------------------------------------------------------------------
@coordinator_only
def announce(ctx: Context, args: str = "") -> Reply:
    round_ = nominations.latest_honoured_round(ctx.db, ctx.now)
    if round_ is None:
        return [ui.text("ยังไม่มีผู้ได้รับการยกย่องค่ะ แตะ \"ยกย่อง\" ในสรุปการเสนอชื่อก่อน",
                        ui.chips(words.NOMINATIONS))]
    return _announcement(ctx, round_)


@coordinator_only
def announce_round(ctx: Context, r: str) -> Reply:
    round_id = ui.row_id(r)
    round_ = nominations.get_round(ctx.db, round_id) if round_id else None
    if round_ is None or not nominations.honourees(ctx.db, round_):
        return [ui.text("รอบนี้ยังไม่มีผู้ได้รับการยกย่องค่ะ", ui.chips(words.NOMINATIONS))]
    return _announcement(ctx, round_)


def _honouree_line(h: nominations.Honouree) -> str:
    virtues = f" ด้าน{', '.join(h.virtues)}" if h.virtues else ""
    return f"{with_unit(h.name, h.unit if h.kind == PERSON else '')}{virtues}"


def announcement_text(office: str, round_: NominationRound, honoured: list[nominations.Honouree]) -> str:
    """The share text, shortened (whole lines) to keep its link within MAX_SHARE_URL."""
    head = f"ประกาศยกย่องเชิดชูเกียรติ บุคคลคุณธรรมและหน่วยงานคุณธรรม\n{office}\n"
    tail = "\nขอแสดงความยินดีและขอบคุณที่เป็นแบบอย่างที่ดีค่ะ"
    lines = [f"🏅 {_honouree_line(h)}" for h in honoured]
    shown = len(lines)
    while True:
        more = f"\nและอีก {len(lines) - shown} ราย" if shown < len(lines) else ""
        text = head + "\n".join(lines[:shown]) + more + tail
        if len(links.share(text)) <= MAX_SHARE_URL or shown == 0:
            return text
        shown -= 1


def _announcement(ctx: Context, round_: NominationRound) -> Reply:
    honoured = nominations.honourees(ctx.db, round_)
    people = [h for h in honoured if h.kind == PERSON]
    units = [h for h in honoured if h.kind == UNIT]
    body: list[ui.Flex] = [ui.label(round_.title, size="xs", color=ui.GREY)]
    for title, group in (("บุคคลคุณธรรม", people), ("หน่วยงานคุณธรรม", units)):
        if not group:
            continue
        body.append(ui.label(title, weight="bold", size="md", color=GOLD, margin="lg"))
        for h in group[:20]:
            detail = " · ".join(x for x in (h.unit if h.kind == PERSON else "",
                                            f"ด้าน{', '.join(h.virtues)}" if h.virtues else "") if x)
            body.append(ui.label(f"🏅 {h.name}", weight="bold", size="sm", color=ui.INK, margin="md"))
            if detail:
                body.append(ui.label(detail, size="xs", color=ui.GREY))
        if len(group) > 20:
            body.append(ui.label(f"และอีก {len(group) - 20} ราย", size="xs", color=ui.GREY))
    body += [ui.separator(),
             ui.label("ขอแสดงความยินดีและขอบคุณที่เป็นแบบอย่างที่ดีของสำนักงาน", size="sm", color=ui.INK,
                      margin="md"),
             ui.label(thai.thai_date(ctx.now), size="xs", color=ui.GREY, align="end")]
    card = ui.bubble("ประกาศยกย่องเชิดชูเกียรติ", body, subtitle=ctx.settings.office_name, color=GOLD)
    link = links.share(announcement_text(ctx.settings.office_name, round_, honoured))
    names = ", ".join(h.name for h in honoured)
    how = ui.bubble("ส่งต่อประกาศ", [
        ui.label("ส่งต่อการ์ดด้านบนไปยังกลุ่ม LINE ของสำนักงานได้เลยค่ะ: กดค้างที่การ์ด แล้วเลือก \"ส่งต่อ\"",
                 size="sm", color=ui.INK),
        ui.label(f"หรือแตะปุ่ม \"{SHARE_BUTTON}\" แล้วเลือกกลุ่ม เพื่อส่งประกาศเป็นข้อความ", size="xs",
                 color=ui.GREY),
    ], footer=[ui.link_button(SHARE_BUTTON, link, color=GOLD)], color=GOLD)
    return [
        ui.flex(f"ประกาศยกย่องเชิดชูเกียรติ: {names}", card),
        ui.flex("ส่งต่อประกาศยกย่องไปยังกลุ่ม LINE ของสำนักงาน", how),
    ]
