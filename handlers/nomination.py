"""เสนอชื่อ — nominate virtuous people and units, privately; the coordinator's rounds, tally, honours
and the announcement (indicator 4.1).

The conversation (flow "nomination"), one step per message, `ยกเลิก` at any step:

    เสนอชื่อ → kind (บุคคล / หน่วยงาน)
             → who   (type part of a name; up to 12 matches as chips, or type their number)
               unit  (chips when there are at most 12 units; else type part of the name)
             → virtue (one of the 5, chips; those already given to this nominee are left out)
             → why   (at least one sentence)
             → confirm (a card: ยืนยัน / ยกเลิก) → stored once

Choices and the card carry a nonce (`q`) that changes whenever new choices are shown, so a chip or
card from an earlier message cannot act on the current step. The round is checked again when the
card is confirmed: a round closed meanwhile stores nothing.
"""
from __future__ import annotations

import json
import re
import secrets
from datetime import date
from urllib.parse import quote

from linebot.v3.messaging import MessageAction, PostbackAction, QuickReply, QuickReplyItem

from bot.router import Context, Reply, Router, coordinator_only
from handlers import ui
from models import nomination as nominations
from models import plan as plans
from models.nomination import PERSON, UNIT, Entry, Nomination, NominationError, NominationRound
from models.proposal import VIRTUES, virtue_of
from models.staff import Staff

WORDS = ("เสนอชื่อ", "nominate")
MINE = ("ของฉัน", "mine")
OPEN_WORDS = ("เปิดเสนอชื่อ",)
CLOSE_WORDS = ("ปิดเสนอชื่อ",)
TALLY_WORDS = ("สรุปเสนอชื่อ", "สรุป เสนอชื่อ", "nominations")
ANNOUNCE_WORDS = ("ประกาศยกย่อง", "honours")
ALL_WORDS = ("ทั้งหมด", "all")
CONFIRM_WORDS = ("ยืนยัน", "ตกลง", "ใช่", "confirm")

FLOW = "nomination"
PICK = "nomination.pick"          # a=nomination.pick&q=<nonce>&i=<index of the choice>
CONFIRM = "nomination.confirm"    # a=nomination.confirm&q=<nonce>
CANCEL = "nomination.cancel"      # a=nomination.cancel&q=<nonce>
WITHDRAW = "nomination.withdraw"  # a=nomination.withdraw&n=<nomination id>
HONOUR = "nomination.honour"      # a=nomination.honour&n=<a nomination of the nominee>&v=<0 overall, 1–5>
UNHONOUR = "nomination.unhonour"  # same parameters
ANNOUNCE = "nomination.announce"  # a=nomination.announce&r=<round id>

PERSON_ANSWERS = ("บุคคล", "บุคคลคุณธรรม", "คน", "1")
UNIT_ANSWERS = ("หน่วยงาน", "หน่วยงานคุณธรรม", "หน่วย", "2")
PRIVACY = ("🔒 การเสนอชื่อเป็นความลับ เห็นได้เฉพาะผู้ประสานงานและผู้บริหาร "
           "ผู้ถูกเสนอชื่อจะไม่ทราบว่าใครเป็นผู้เสนอ")
GOLD = "#B8860B"
# How much of the tally the cards show, most first: (nominees per kind overall, per virtue, reasons each
# overall, per virtue, characters per reason). The first that fits LINE's carousel limit is used.
TALLY_DETAIL = ((5, 3, 2, 1, 70), (5, 3, 1, 1, 50), (5, 3, 1, 0, 40), (5, 2, 0, 0, 0), (3, 1, 0, 0, 0))
MAX_CAROUSEL_BYTES = 48_000  # LINE allows 50 KB of JSON for a carousel; keep a margin
MINE_PER_CARD = 6
MAX_SHARE_URL = 4000  # the link goes in a text message (at most 5,000 characters)
_THAI_DIGITS_BACK = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
THAI_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
                    "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def register(router: Router) -> None:
    router.flow(FLOW, "การเสนอชื่อ")
    router.text(WORDS, start)
    router.text(OPEN_WORDS, open_round)
    router.text(CLOSE_WORDS, close_round)
    router.text(TALLY_WORDS, tally)
    router.text(ANNOUNCE_WORDS, announce)
    router.step(FLOW, "kind", kind)
    router.step(FLOW, "who", who)
    router.step(FLOW, "unit", unit)
    router.step(FLOW, "virtue", virtue)
    router.step(FLOW, "why", why)
    router.step(FLOW, "confirm", typed_confirm)
    router.postback(PICK, pick)
    router.postback(CONFIRM, confirm)
    router.postback(CANCEL, cancel)
    router.postback(WITHDRAW, withdraw)
    router.postback(HONOUR, honour)
    router.postback(UNHONOUR, unhonour)
    router.postback(ANNOUNCE, announce_round)


# -- small helpers -------------------------------------------------------------------------------
def _day(ctx: Context, round_: NominationRound) -> str:
    return ui.thai_date(round_.closes_on) if round_.closes_on else ""


def _chips(*items: QuickReplyItem | str) -> QuickReply:
    """Quick-reply chips: strings type themselves; items are used as they are."""
    out = [QuickReplyItem(action=MessageAction(label=i[:20], text=i)) if isinstance(i, str) else i
           for i in items]
    return QuickReply(items=out[: ui.MAX_QUICK_REPLY])


def _pick_chip(label: str, shown: str, nonce: str, index: int) -> QuickReplyItem:
    data = ui.postback_data(PICK, q=nonce, i=index)
    return QuickReplyItem(action=PostbackAction(label=label[:20], data=data, display_text=shown[:300]))


def _data(ctx: Context) -> dict:
    assert ctx.conversation is not None
    return dict(ctx.conversation.data)


def _in_flow(ctx: Context, *steps: str) -> bool:
    c = ctx.conversation
    return c is not None and c.flow == FLOW and (not steps or c.step in steps)


def _nominee_text(ctx: Context, data: dict) -> tuple[str, str]:
    """(name, unit) of the nominee held in the conversation."""
    if data.get("kind") == PERSON:
        person = ctx.db.get(Staff, data.get("nominee") or 0)
        return (person.name, person.unit) if person is not None else ("-", "")
    return data.get("unit", ""), ""


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _expired(note: str = "") -> Reply:
    return [ui.text((note + "\n" if note else "")
                    + "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ (ยืนยันไปแล้ว ยกเลิกแล้ว หรือหมดเวลา) "
                      "พิมพ์ \"เสนอชื่อ\" เพื่อเริ่มใหม่",
                    _chips("เสนอชื่อ", "เสนอชื่อ ของฉัน"))]


def _round_still_open(ctx: Context, data: dict) -> NominationRound | None:
    round_ = nominations.get_round(ctx.db, int(data.get("round") or 0))
    return round_ if round_ is not None and round_.is_open(ctx.now) else None


def _round_closed(ctx: Context) -> Reply:
    ctx.end()
    return [ui.text("ขออภัยค่ะ รอบการเสนอชื่อปิดไปแล้ว จึงไม่ได้บันทึกการเสนอชื่อนี้",
                    _chips("เสนอชื่อ ของฉัน"))]


def _not_open(ctx: Context) -> Reply:
    upcoming = nominations.next_round(ctx.db, ctx.now)
    if upcoming is not None:
        when = ui.thai_datetime(upcoming.opens_at.astimezone(ctx.settings.tz))
        return [ui.text(f"ขณะนี้ยังไม่เปิดให้เสนอชื่อค่ะ\nรอบถัดไป \"{upcoming.title}\" เปิด {when}"
                        + (f" ถึง {_day(ctx, upcoming)}" if upcoming.closes_on else ""))]
    latest = nominations.latest_round(ctx.db, ctx.now)
    if latest is not None:
        day = nominations.closed_on(latest, ctx.settings.tz)
        when = f"เมื่อ {ui.thai_date(day)} " if day else ""
        return [ui.text(f"รอบการเสนอชื่อ \"{latest.title}\" ปิดไปแล้ว{when}ค่ะ\n"
                        "ขณะนี้ไม่มีรอบที่เปิดอยู่ ผู้ประสานงานจะแจ้งเมื่อเปิดรอบใหม่")]
    return [ui.text("ขณะนี้ยังไม่เปิดให้เสนอชื่อค่ะ ผู้ประสานงานจะแจ้งเมื่อเปิดรอบการเสนอชื่อ")]


# -- the conversation ----------------------------------------------------------------------------
def start(ctx: Context, args: str = "") -> Reply:
    if args.strip().casefold() in MINE:
        return mine(ctx)
    round_ = nominations.open_round(ctx.db, ctx.now)
    if round_ is None:
        return _not_open(ctx)
    closing = f"\nเปิดรับถึง {_day(ctx, round_)}" if round_.closes_on else ""
    intro = f"เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม\n\"{round_.title}\"{closing}\n\n{PRIVACY}\n\n"
    ctx.begin(FLOW, "kind", {"round": round_.id})
    if args.strip().casefold() in PERSON_ANSWERS + UNIT_ANSWERS:  # เสนอชื่อ หน่วยงาน
        replies = kind(ctx, args)
        return [ui.text(intro.strip())] + replies
    if args.strip():  # เสนอชื่อ สมชาย: straight to the name search
        ctx.begin(FLOW, "who", {"round": round_.id, "kind": PERSON})
        return _search_people(ctx, args.strip(), intro=intro)
    return [ui.text(intro + "ขั้นที่ 1/4: ท่านต้องการเสนอชื่อ \"บุคคล\" หรือ \"หน่วยงาน\" คะ?",
                    _chips("บุคคล", "หน่วยงาน", "ยกเลิก"))]


def kind(ctx: Context, text: str) -> Reply:
    data = _data(ctx)
    if _round_still_open(ctx, data) is None:
        return _round_closed(ctx)
    answer = text.strip().casefold()
    if answer in PERSON_ANSWERS:
        ctx.begin(FLOW, "who", {**data, "kind": PERSON})
        return [_ask_name()]
    if answer in UNIT_ANSWERS:
        ctx.begin(FLOW, "unit", {**data, "kind": UNIT})
        return _offer_units(ctx, nominations.units(ctx.db))
    return [ui.text("กรุณาแตะ \"บุคคล\" หรือ \"หน่วยงาน\" ค่ะ", _chips("บุคคล", "หน่วยงาน", "ยกเลิก"))]


def _ask_name(prefix: str = "") -> ui.TextMessage:
    return ui.text(prefix + "ขั้นที่ 2/4: พิมพ์ชื่อหรือนามสกุลของผู้ที่ต้องการเสนอชื่อค่ะ "
                   "(บางส่วนก็ได้ ไม่ต้องพิมพ์คำนำหน้า) เช่น สมชาย", _chips("ยกเลิก"))


def _closed_or_picked(ctx: Context, text: str) -> Reply | None:
    """The answer when the round has closed or the text picks a numbered choice; None otherwise."""
    data = _data(ctx)
    if _round_still_open(ctx, data) is None:
        return _round_closed(ctx)
    choice = _numbered(text, data)
    return _chosen(ctx, data, choice) if choice is not None else None


def who(ctx: Context, text: str) -> Reply:
    answered = _closed_or_picked(ctx, text)
    if answered is not None:
        return answered
    return _search_people(ctx, text)


def _numbered(text: str, data: dict):
    """The choice a typed number names, when choices are on offer."""
    typed = text.strip().translate(_THAI_DIGITS_BACK).rstrip(".")
    choices = data.get("choices") or []
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1]
    return None


def _search_people(ctx: Context, text: str, intro: str = "") -> Reply:
    assert ctx.staff is not None
    data = _data(ctx)
    typed = text[:40]
    if not nominations.query_parts(text):
        return [_ask_name(intro + "กรุณาพิมพ์ชื่อหรือนามสกุล (ไม่ต้องมีคำนำหน้า)\n")]
    found = nominations.search_people(ctx.db, text)
    others = [p for p in found if p.id != ctx.staff.id]
    if not found:
        ctx.begin(FLOW, "who", {**data, "choices": []})
        return [ui.text(intro + f"ไม่พบชื่อ \"{typed}\" ในทะเบียนบุคลากรค่ะ กรุณาพิมพ์ใหม่ "
                        "(ชื่อหรือนามสกุลเพียงบางส่วนก็ได้ ไม่ต้องพิมพ์คำนำหน้า)", _chips("ยกเลิก"))]
    if not others:
        ctx.begin(FLOW, "who", {**data, "choices": []})
        return [ui.text(intro + "ท่านเสนอชื่อตนเองไม่ได้ค่ะ กรุณาพิมพ์ชื่อของผู้อื่น", _chips("ยกเลิก"))]
    if len(others) > nominations.MAX_MATCHES:
        ctx.begin(FLOW, "who", {**data, "choices": []})
        return [ui.text(intro + f"พบ {len(others)} คนที่ตรงกับ \"{typed}\" มากเกินกว่าจะแสดงได้ค่ะ "
                        "กรุณาพิมพ์ให้ละเอียดขึ้น เช่น ชื่อและนามสกุล", _chips("ยกเลิก"))]
    nonce = secrets.token_hex(4)
    ctx.begin(FLOW, "who", {**data, "q": nonce, "choices": [p.id for p in others]})
    lines = [f"{i}. {p.name} — {p.unit}" for i, p in enumerate(others, start=1)]
    chips = [_pick_chip(f"{i}. {nominations.without_title(p.name)}", p.name, nonce, i - 1)
             for i, p in enumerate(others, start=1)]
    return [ui.text(intro + f"พบ {len(others)} คน แตะเลือกด้านล่าง หรือพิมพ์หมายเลขค่ะ\n" + "\n".join(lines)
                    + "\n\n(ถ้าไม่ใช่ พิมพ์ชื่อใหม่ได้เลย)", _chips(*chips, "ยกเลิก"))]


def _offer_units(ctx: Context, found: list[str], typed: str = "") -> Reply:
    assert ctx.staff is not None
    data = _data(ctx)
    others = [u for u in found if u != ctx.staff.unit]
    if not typed and not others:
        ctx.end()
        return [ui.text("สำนักงานนี้ไม่มีหน่วยงานอื่นให้เสนอชื่อค่ะ (เสนอชื่อหน่วยงานของตนเองไม่ได้)",
                        _chips("เสนอชื่อ"))]
    if typed and not found:
        ctx.begin(FLOW, "unit", {**data, "choices": []})
        return [ui.text(f"ไม่พบหน่วยงาน \"{typed[:40]}\" ค่ะ กรุณาพิมพ์ใหม่ (บางส่วนของชื่อก็ได้)",
                        _chips("ยกเลิก"))]
    if typed and not others:
        ctx.begin(FLOW, "unit", {**data, "choices": []})
        return [ui.text("ท่านเสนอชื่อหน่วยงานของตนเองไม่ได้ค่ะ กรุณาพิมพ์ชื่อหน่วยงานอื่น", _chips("ยกเลิก"))]
    if len(others) > nominations.MAX_MATCHES:
        ctx.begin(FLOW, "unit", {**data, "choices": []})
        lead = (f"พบ {len(others)} หน่วยงานที่ตรงกับ \"{typed[:40]}\" มากเกินกว่าจะแสดงได้ค่ะ "
                "กรุณาพิมพ์ให้ละเอียดขึ้น"
                if typed else "ขั้นที่ 2/4: พิมพ์ชื่อหน่วยงานที่ต้องการเสนอชื่อค่ะ (บางส่วนก็ได้) เช่น เมือง")
        return [ui.text(lead, _chips("ยกเลิก"))]
    nonce = secrets.token_hex(4)
    ctx.begin(FLOW, "unit", {**data, "q": nonce, "choices": others})
    lines = [f"{i}. {u}" for i, u in enumerate(others, start=1)]
    chips = [_pick_chip(f"{i}. {u}", u, nonce, i - 1) for i, u in enumerate(others, start=1)]
    lead = "ขั้นที่ 2/4: เลือกหน่วยงานที่ต้องการเสนอชื่อค่ะ (แตะด้านล่าง หรือพิมพ์หมายเลข)"
    note = "\n(ไม่รวมหน่วยงานของท่านเอง)" if ctx.staff.unit in found else ""
    return [ui.text(f"{lead}\n" + "\n".join(lines) + note, _chips(*chips, "ยกเลิก"))]


def unit(ctx: Context, text: str) -> Reply:
    answered = _closed_or_picked(ctx, text)
    if answered is not None:
        return answered
    if not text.strip():
        return _offer_units(ctx, nominations.units(ctx.db))
    return _offer_units(ctx, nominations.search_units(ctx.db, text), typed=text.strip())


def pick(ctx: Context, q: str, i: str) -> Reply:
    if not _in_flow(ctx, "who", "unit"):
        return _expired()
    data = _data(ctx)
    choices = data.get("choices") or []
    if data.get("q") != q or not i.isdigit() or int(i) >= len(choices):
        return _expired()
    if _round_still_open(ctx, data) is None:
        return _round_closed(ctx)
    return _chosen(ctx, data, choices[int(i)])


def _chosen(ctx: Context, data: dict, choice) -> Reply:
    """A person (staff id) or unit (name) was chosen: check it, then ask for the virtue."""
    assert ctx.staff is not None
    if data.get("kind") == PERSON:
        person = ctx.db.get(Staff, int(choice))
        problem = nominations.target_problem(ctx.staff, PERSON, nominee=person)
        if problem is not None:
            return [_ask_name(problem + "ค่ะ\n")]
        data = {**data, "nominee": person.id, "unit": person.unit}
        target = nominations.person_target(person.id)
    else:
        problem = nominations.target_problem(ctx.staff, UNIT, unit=str(choice))
        if problem is not None:
            return [ui.text(problem + "ค่ะ กรุณาเลือกหน่วยงานอื่น", _chips("ยกเลิก"))]
        data = {**data, "nominee": None, "unit": str(choice)}
        target = nominations.unit_target(str(choice))
    data.pop("choices", None)
    data.pop("q", None)
    round_ = _round_still_open(ctx, data)
    assert round_ is not None
    done = nominations.nominated_virtues(ctx.db, round_, ctx.staff, target)
    name, unit_ = _nominee_text(ctx, data)
    left = [v for v in VIRTUES if v not in done]
    if not left:
        step = "who" if data["kind"] == PERSON else "unit"
        ctx.begin(FLOW, step, {k: v for k, v in data.items() if k not in ("nominee", "unit")})
        lead = f"ท่านเสนอชื่อ {_label(name, unit_)} ครบทั้ง 5 ด้านในรอบนี้แล้วค่ะ\n"
        if step == "who":
            return [_ask_name(lead)]
        return [ui.text(lead + "กรุณาพิมพ์ชื่อหน่วยงานอื่น", _chips("ยกเลิก"))]
    ctx.begin(FLOW, "virtue", {**data, "done": sorted(done)})
    return [_ask_virtue(name, unit_, left)]


def _ask_virtue(name: str, unit_: str, left: list[str], prefix: str = "") -> ui.TextMessage:
    lines = [f"{prefix}ขั้นที่ 3/4: ท่านเสนอชื่อ {_label(name, unit_)} ในด้านคุณธรรมใดคะ?"]
    if len(left) < len(VIRTUES):
        lines.append(f"(ด้าน{', '.join(v for v in VIRTUES if v not in left)} ท่านเสนอไว้แล้ว)")
    return ui.text("\n".join(lines), _chips(*left, "ยกเลิก"))


def virtue(ctx: Context, text: str) -> Reply:
    data = _data(ctx)
    if _round_still_open(ctx, data) is None:
        return _round_closed(ctx)
    name, unit_ = _nominee_text(ctx, data)
    done = set(data.get("done") or [])
    left = [v for v in VIRTUES if v not in done]
    typed = text.strip().translate(_THAI_DIGITS_BACK)
    numbered = typed.isdigit() and 1 <= int(typed) <= len(VIRTUES)
    chosen = VIRTUES[int(typed) - 1] if numbered else virtue_of(text)
    if chosen is None:
        return [_ask_virtue(name, unit_, left, prefix="กรุณาเลือกคุณธรรมข้อใดข้อหนึ่งจากปุ่มด้านล่างค่ะ\n")]
    if chosen in done:
        return [_ask_virtue(name, unit_, left, prefix=f"ท่านเสนอชื่อ {name} ด้าน{chosen} ไว้แล้วในรอบนี้ค่ะ "
                                                      "เลือกด้านอื่นได้\n")]
    ctx.begin(FLOW, "why", {**data, "virtue": chosen})
    return [ui.text(f"ขั้นที่ 4/4: เล่าสั้น ๆ ว่า {name} เป็นแบบอย่างด้าน{chosen}อย่างไรคะ "
                    f"(อย่างน้อย 1 ประโยค)", _chips("ยกเลิก"))]


def why(ctx: Context, text: str) -> Reply:
    data = _data(ctx)
    round_ = _round_still_open(ctx, data)
    if round_ is None:
        return _round_closed(ctx)
    problem = nominations.reason_problem(text)
    if problem is not None:
        example = "เช่น \"ช่วยเหลือเพื่อนร่วมงานเสมอ และอาสาทำงานส่วนรวมโดยไม่ต้องร้องขอ\""
        return [ui.text(f"{problem}ค่ะ\n{example}", _chips("ยกเลิก"))]
    nonce = secrets.token_hex(4)
    data = {**data, "reason": " ".join(text.split()), "q": nonce}
    ctx.begin(FLOW, "confirm", data)
    return [_confirm_card(ctx, round_, data)]


def _confirm_card(ctx: Context, round_: NominationRound, data: dict):
    name, unit_ = _nominee_text(ctx, data)
    what = "บุคคลคุณธรรม" if data["kind"] == PERSON else "หน่วยงานคุณธรรม"
    body = [
        ui.label(what, size="xs", color=ui.GREY),
        ui.label(name, weight="bold", size="md", color=ui.INK),
    ]
    if unit_:
        body.append(ui.label(unit_, size="sm", color=ui.GREY))
    body += [
        ui.label(f"ด้าน{data['virtue']}", weight="bold", size="sm", color=ui.GREEN, margin="md"),
        ui.label("เหตุผล", size="xs", color=ui.GREY, margin="md"),
        ui.label(data["reason"], size="sm", color=ui.INK),
        ui.separator(),
        ui.label(PRIVACY, size="xs", color=ui.GREY, margin="md"),
    ]
    footer = [
        ui.button(ui.postback("ยืนยัน", CONFIRM, display_text="ยืนยันการเสนอชื่อ", q=data["q"])),
        ui.button(ui.postback("ยกเลิก", CANCEL, display_text="ยกเลิก", q=data["q"]), style="secondary"),
    ]
    return ui.flex(f"ยืนยันการเสนอชื่อ {name} ด้าน{data['virtue']}",
                   ui.bubble("ยืนยันการเสนอชื่อ", body, footer=footer, subtitle=round_.title))


def typed_confirm(ctx: Context, text: str) -> Reply:
    data = _data(ctx)
    if text.strip().casefold() in CONFIRM_WORDS:
        return _store(ctx, data)
    round_ = _round_still_open(ctx, data)
    if round_ is None:
        return _round_closed(ctx)
    return [ui.text("กรุณาแตะ \"ยืนยัน\" หรือ \"ยกเลิก\" บนการ์ดค่ะ", _chips("ยืนยัน", "ยกเลิก")),
            _confirm_card(ctx, round_, data)]


def confirm(ctx: Context, q: str) -> Reply:
    if not _in_flow(ctx, "confirm") or _data(ctx).get("q") != q:
        return _expired()
    return _store(ctx, _data(ctx))


def _store(ctx: Context, data: dict) -> Reply:
    assert ctx.staff is not None
    round_ = _round_still_open(ctx, data)
    if round_ is None:
        return _round_closed(ctx)
    name, unit_ = _nominee_text(ctx, data)
    nominee = ctx.db.get(Staff, data["nominee"]) if data.get("kind") == PERSON else None
    ctx.end()
    try:
        _, created = nominations.nominate(
            ctx.db, round_, ctx.staff, data["kind"], data["virtue"], data["reason"], ctx.now, nominee=nominee,
            unit=data.get("unit", ""), event_id=ctx.event_id)
    except NominationError as exc:
        return [ui.text(f"{exc} จึงไม่ได้บันทึกการเสนอชื่อนี้ค่ะ", _chips("เสนอชื่อ"))]
    if not created:
        return [ui.text(f"ท่านเสนอชื่อ {_label(name, unit_)} ด้าน{data['virtue']} ไว้แล้วในรอบนี้ค่ะ "
                        "(บันทึกไว้ครั้งเดียว)", _chips("เสนอชื่อ ของฉัน", "เสนอชื่อ"))]
    return [ui.text(
        f"บันทึกการเสนอชื่อแล้ว ขอบคุณค่ะ 🙏\n{_label(name, unit_)} · ด้าน{data['virtue']}\n\n{PRIVACY}\n\n"
        "เสนอชื่อเพิ่มได้ (ด้านอื่น หรือคนอื่น) และดูหรือถอนการเสนอชื่อของท่านได้ที่ \"เสนอชื่อ ของฉัน\"",
        _chips("เสนอชื่อ", "เสนอชื่อ ของฉัน"))]


def cancel(ctx: Context, q: str) -> Reply:
    if not _in_flow(ctx) or _data(ctx).get("q") != q:
        return _expired()
    ctx.end()
    return [ui.text("ยกเลิกการเสนอชื่อแล้วค่ะ ไม่ได้บันทึกสิ่งที่พิมพ์ไว้",
                    _chips("เสนอชื่อ", "เสนอชื่อ ของฉัน"))]


# -- my nominations ------------------------------------------------------------------------------
def mine(ctx: Context) -> Reply:
    assert ctx.staff is not None
    round_ = nominations.open_round(ctx.db, ctx.now)
    if round_ is None:
        latest = nominations.latest_round(ctx.db, ctx.now)
        if latest is None:
            return _not_open(ctx)
        count = len(nominations.of_nominator(ctx.db, latest, ctx.staff))
        return [ui.text(f"รอบ \"{latest.title}\" ปิดแล้วค่ะ ท่านเสนอชื่อไว้ {count} รายการ "
                        "(ปิดรอบแล้วจึงถอนไม่ได้)")]
    own = nominations.of_nominator(ctx.db, round_, ctx.staff)
    if not own:
        return [ui.text("ท่านยังไม่ได้เสนอชื่อในรอบนี้ค่ะ แตะ \"เสนอชื่อ\" เพื่อเริ่ม", _chips("เสนอชื่อ"))]
    bubbles = []
    for start_at in range(0, len(own), MINE_PER_CARD):
        body: list[dict] = []
        for n, person in own[start_at:start_at + MINE_PER_CARD]:
            name = person.name if person is not None else n.unit
            unit_ = (person.unit if person is not None else "") if n.kind == PERSON else ""
            if body:
                body.append(ui.separator())
            body += [
                ui.label(_label(name, unit_), weight="bold", size="sm", color=ui.INK, margin="md"),
                ui.label(f"ด้าน{n.virtue} · {ui.thai_date(n.created_at.astimezone(ctx.settings.tz))}",
                         size="xs", color=ui.GREEN),
                ui.label(_cut(n.reason, 120), size="xs", color=ui.GREY),
                ui.button(ui.postback("ถอนการเสนอชื่อนี้", WITHDRAW,
                                      display_text=f"ถอนการเสนอชื่อ {name} ด้าน{n.virtue}", n=n.id),
                          style="link"),
            ]
        bubbles.append(ui.bubble("การเสนอชื่อของฉัน", body, subtitle=round_.title))
    intro = (f"ท่านเสนอชื่อในรอบนี้ {len(own)} รายการค่ะ ถอนได้จนกว่าจะปิดรอบ"
             + (f" ({_day(ctx, round_)})" if round_.closes_on else "") + f"\n{PRIVACY}")
    return [ui.text(intro), ui.flex(f"การเสนอชื่อของฉัน {len(own)} รายการ", ui.carousel(bubbles[:12]))]


def withdraw(ctx: Context, n: str) -> Reply:
    assert ctx.staff is not None
    nomination_id = ui.row_id(n)
    try:
        done = nominations.withdraw(ctx.db, ctx.staff, nomination_id, ctx.now) if nomination_id else None
    except NominationError as exc:
        return [ui.text(f"{exc}ค่ะ")]
    if done is None:
        return [ui.text("ไม่พบการเสนอชื่อนี้ของท่านค่ะ (อาจถอนไปแล้ว)", _chips("เสนอชื่อ ของฉัน"))]
    name = nominations.display_name(ctx.db, done)
    return [ui.text(f"ถอนการเสนอชื่อ {name} ด้าน{done.virtue} แล้วค่ะ",
                    _chips("เสนอชื่อ ของฉัน", "เสนอชื่อ"))]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- rounds (coordinator) ------------------------------------------------------------------------
def _year(value: int) -> int:
    """A typed year as Gregorian: 2569 → 2026, 69 → 2026, 2026 → 2026."""
    if value < 100:
        value += 2500
    return value - 543 if value > 2400 else value


def parse_day(text: str, today: date) -> date | None:
    """A closing date as typed in Thai: 31 มี.ค. 2569, 31 มีนาคม 69, 31/3/2569, 2026-03-31, 31 มี.ค."""
    typed = " ".join(text.translate(_THAI_DIGITS_BACK).split())
    try:
        found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", typed)
        if found:
            return date(_year(int(found[1])), int(found[2]), int(found[3]))
        found = re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})", typed)
        if found:
            return date(_year(int(found[3])), int(found[2]), int(found[1]))
        found = re.fullmatch(r"(\d{1,2})\s*([^\d\s]+(?:\s[^\d\s]+)?)\s*(\d{2,4})?", typed)
        if found:
            month = _month(found[2])
            if month is None:
                return None
            if found[3]:
                return date(_year(int(found[3])), month, int(found[1]))
            day = date(today.year, month, int(found[1]))
            return day if day >= today else date(today.year + 1, month, int(found[1]))
    except ValueError:  # 31 ก.พ.
        return None
    return None


def _month(word: str) -> int | None:
    bare = word.replace(".", "").replace(" ", "")
    for i, (short, full) in enumerate(zip(ui.THAI_MONTHS, THAI_MONTHS_FULL), start=1):
        if bare in (short.replace(".", ""), full):
            return i
    return None


def default_title(db, now, plan) -> str:
    year = plan.fiscal_year if plan is not None else plans.fiscal_year_of(now.date())
    title = f"เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม ปีงบประมาณ {year}"
    earlier = [r for r in nominations.rounds(db) if r.title.startswith(title)]
    return f"{title} รอบที่ {len(earlier) + 1}" if earlier else title


def invite_link(basic_id: str) -> str:
    """Opens the chat with the bot with เสนอชื่อ typed."""
    return f"https://line.me/R/oaMessage/{basic_id}/?{quote('เสนอชื่อ')}"


@coordinator_only
def open_round(ctx: Context, args: str = "") -> Reply:
    closes_on = None
    if args.strip():
        closes_on = parse_day(args, ctx.now.date())
        if closes_on is None:
            return [ui.text(f"ไม่เข้าใจวันปิดรับ \"{args[:30]}\" ค่ะ\n"
                            "พิมพ์เช่น เปิดเสนอชื่อ 31 มี.ค. 2569 หรือ เปิดเสนอชื่อ 31/3/2569 "
                            "(หรือ เปิดเสนอชื่อ เฉย ๆ แล้วพิมพ์ ปิดเสนอชื่อ เมื่อต้องการปิด)")]
    plan = plans.current(ctx.db, ctx.now)
    try:
        round_ = nominations.start_round(ctx.db, ctx.now, default_title(ctx.db, ctx.now, plan),
                                         closes_on=closes_on, plan_id=plan.id if plan else None, by=ctx.staff)
    except NominationError as exc:
        return [ui.text(f"{exc}ค่ะ", _chips("ปิดเสนอชื่อ", "สรุปเสนอชื่อ"))]
    until = (f"ปิดรับเมื่อสิ้นวันที่ {_day(ctx, round_)}" if round_.closes_on
             else "ยังไม่กำหนดวันปิด พิมพ์ \"ปิดเสนอชื่อ\" เมื่อต้องการปิดรับ")
    return [ui.text(
        f"เปิดรับการเสนอชื่อแล้วค่ะ\n\"{round_.title}\"\n{until}\n\n"
        "ชวนทุกคนร่วมเสนอชื่อ: ส่งลิงก์นี้ในกลุ่ม LINE ของสำนักงาน แตะแล้วจะเปิดแชตนี้พร้อมคำว่า เสนอชื่อ\n"
        f"{invite_link(ctx.settings.bot_basic_id)}",
        _chips("สรุปเสนอชื่อ", "ปิดเสนอชื่อ"))]


@coordinator_only
def close_round(ctx: Context, args: str = "") -> Reply:
    try:
        round_ = nominations.close_round(ctx.db, ctx.now)
    except NominationError as exc:
        return [ui.text(f"{exc}ค่ะ", _chips("เปิดเสนอชื่อ", "สรุปเสนอชื่อ"))]
    if round_.opens_at > ctx.now:
        return [ui.text(f"ยกเลิกรอบ \"{round_.title}\" ที่กำหนดเปิดไว้แล้วค่ะ")]
    result = nominations.tally(ctx.db, round_)
    return [ui.text(f"ปิดรับการเสนอชื่อแล้วค่ะ\n\"{round_.title}\"\n"
                    f"มีผู้ร่วมเสนอชื่อ {result.nominators} คน รวม {result.nominations} รายการ\n"
                    "แตะ \"สรุปเสนอชื่อ\" เพื่อดูผลและเลือกผู้ได้รับการยกย่อง", _chips("สรุปเสนอชื่อ"))]


# -- the tally (coordinator) ---------------------------------------------------------------------
def _virtue_code(virtue_: str) -> int:
    return VIRTUES.index(virtue_) + 1 if virtue_ else 0


def _virtue_of_code(v: str) -> str | None:
    if not v.isdigit() or int(v) > len(VIRTUES):
        return None
    return VIRTUES[int(v) - 1] if int(v) else ""


def _status(ctx: Context, round_: NominationRound) -> str:
    if round_.is_open(ctx.now):
        return "ยังเปิดรับอยู่" + (f" ถึง {_day(ctx, round_)}" if round_.closes_on else "")
    day = nominations.closed_on(round_, ctx.settings.tz)
    return f"ปิดรับแล้ว {ui.thai_date(day)}" if day else "ปิดรับแล้ว"


def _entry_box(entry: Entry, rank: int, virtue_: str, reasons: int, overall: bool, cut: int) -> dict:
    contents: list[dict] = [{"type": "box", "layout": "horizontal", "contents": [
        ui.label(f"{rank}. {entry.name}", size="sm", weight="bold", color=ui.INK, flex=5),
        {"type": "text", "text": f"{entry.count} คน", "size": "xs", "color": ui.GREY, "align": "end",
         "flex": 2, "gravity": "center"},
    ]}]
    if entry.kind == PERSON and entry.unit:
        contents.append(ui.label(entry.unit, size="xxs", color=ui.GREY))
    if overall:
        spread = " · ".join(f"{v} {entry.virtues[v]}" for v in VIRTUES if entry.virtues.get(v))
        contents.append(ui.label(f"ด้าน: {spread}", size="xxs", color=ui.GREEN))
    contents += [ui.label(f"“{_cut(r, cut)}”", size="xxs", color=ui.INK) for r in entry.reasons[:reasons]]
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
             overall: bool = False) -> list[dict]:
    out: list[dict] = [ui.label(title, size="sm", weight="bold", color=ui.INK, margin="lg")]
    if not entries:
        return out + [ui.label("ยังไม่มีผู้ถูกเสนอชื่อ", size="xs", color=ui.GREY)]
    out += [_entry_box(e, i, virtue_, reasons, overall, cut) for i, e in enumerate(entries[:show], start=1)]
    if len(entries) > show:
        out.append(ui.label(f"และอีก {len(entries) - show} ราย (ดูทั้งหมด: สรุปเสนอชื่อ ทั้งหมด)", size="xxs",
                            color=ui.GREY, margin="sm"))
    return out


@coordinator_only
def tally(ctx: Context, args: str = "") -> Reply:
    round_ = nominations.latest_round(ctx.db, ctx.now)
    if round_ is None:
        return [ui.text("ยังไม่มีรอบการเสนอชื่อค่ะ พิมพ์ \"เปิดเสนอชื่อ\" เพื่อเปิดรอบ",
                        _chips("เปิดเสนอชื่อ"))]
    result = nominations.tally(ctx.db, round_)
    head = (f"สรุปการเสนอชื่อ \"{round_.title}\" ({_status(ctx, round_)})\n"
            f"ผู้ร่วมเสนอชื่อ {result.nominators} คน รวม {result.nominations} รายการ")
    if not result.nominations:
        return [ui.text(head + "\nยังไม่มีผู้เสนอชื่อค่ะ")]
    if args.strip().casefold() in ALL_WORDS:
        return full_list(ctx, result, head)
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
    chips = _chips("สรุปเสนอชื่อ ทั้งหมด", "ประกาศยกย่อง")
    return [ui.text(intro), ui.flex(alt, carousel, quick_reply=chips)]


def _tally_cards(result: nominations.Tally, sub: str, show: int, show_virtue: int, reasons: int,
                 reasons_virtue: int, cut: int) -> list[dict]:
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


def full_list(ctx: Context, result: nominations.Tally, head: str) -> Reply:
    """Every nominee with every reason (tagged with its virtue) overall; then the ranking per virtue."""
    lines = [f"📊 {head}", "เรียงตามจำนวนผู้เสนอ (แต่ละคนนับครั้งเดียว)"]

    def add(title: str, entries: list[Entry], virtue_: str, reasons: bool) -> None:
        lines.append(f"\n{title}")
        if not entries:
            lines.append("- ยังไม่มี")
        for i, e in enumerate(entries, start=1):
            mark = " ✓ยกย่องแล้ว" if virtue_ in e.honours else ""
            lines.append(f"{i}. {_label(e.name, e.unit if e.kind == PERSON else '')} — {e.count} คน{mark}")
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
        return [ui.text("ไม่พบรายการนี้แล้วค่ะ (อาจถูกถอน) พิมพ์ \"สรุปเสนอชื่อ\" เพื่อดูผลล่าสุด",
                        _chips("สรุปเสนอชื่อ"))]
    name = nominations.display_name(ctx.db, nomination)
    what = f" ด้าน{virtue_}" if virtue_ else ""
    _, created = nominations.honour_nominee_of(ctx.db, nomination, ctx.now, virtue=virtue_, by=ctx.staff)
    lines = [f"บันทึกให้ {name} ได้รับการยกย่อง{what} แล้วค่ะ" if created
             else f"{name} ได้รับการยกย่อง{what} อยู่แล้วค่ะ"]
    round_ = nominations.get_round(ctx.db, nomination.round_id)
    assert round_ is not None
    lines.append(f"ผู้ได้รับการยกย่องในรอบนี้ {len(nominations.honourees(ctx.db, round_))} ราย")
    lines.append(_indicator_line(ctx))
    return [ui.text("\n".join(lines), _chips("ประกาศยกย่อง", "สรุปเสนอชื่อ"))]


def _indicator_line(ctx: Context) -> str:
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        return ""
    measured = nominations.honours_measure(ctx.db, plan, ctx.now)
    if measured is None:
        return ""
    if measured.value >= 1:
        return "ตัวชี้วัด 4.1: ครบแล้ว (มีผู้ได้รับการยกย่อง และจัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว)"
    return (f"ตัวชี้วัด 4.1: {measured.detail}\n"
            "ตัวชี้วัดจะครบเมื่อมีผู้ได้รับการยกย่อง และบันทึกว่าจัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว")


@coordinator_only
def unhonour(ctx: Context, n: str, v: str) -> Reply:
    nomination, virtue_ = _nomination(ctx, n), _virtue_of_code(v)
    if nomination is None or virtue_ is None:
        return [ui.text("ไม่พบรายการนี้แล้วค่ะ", _chips("สรุปเสนอชื่อ"))]
    round_ = nominations.get_round(ctx.db, nomination.round_id)
    assert round_ is not None
    name = nominations.display_name(ctx.db, nomination)
    what = f" ด้าน{virtue_}" if virtue_ else ""
    if not nominations.remove_honour(ctx.db, round_, nomination.target, virtue_):
        return [ui.text(f"{name} ไม่ได้อยู่ในรายชื่อผู้ได้รับการยกย่อง{what}ค่ะ", _chips("สรุปเสนอชื่อ"))]
    return [ui.text(f"ยกเลิกการยกย่อง {name}{what} แล้วค่ะ", _chips("สรุปเสนอชื่อ", "ประกาศยกย่อง"))]


# -- the announcement (coordinator) ----------------------------------------------------------------
@coordinator_only
def announce(ctx: Context, args: str = "") -> Reply:
    round_ = nominations.latest_honoured_round(ctx.db, ctx.now)
    if round_ is None:
        return [ui.text("ยังไม่มีผู้ได้รับการยกย่องค่ะ แตะ \"ยกย่อง\" ในสรุปการเสนอชื่อก่อน",
                        _chips("สรุปเสนอชื่อ"))]
    return _announcement(ctx, round_)


@coordinator_only
def announce_round(ctx: Context, r: str) -> Reply:
    round_id = ui.row_id(r)
    round_ = nominations.get_round(ctx.db, round_id) if round_id else None
    if round_ is None or not nominations.honourees(ctx.db, round_):
        return [ui.text("รอบนี้ยังไม่มีผู้ได้รับการยกย่องค่ะ", _chips("สรุปเสนอชื่อ"))]
    return _announcement(ctx, round_)


def _honouree_line(h: nominations.Honouree) -> str:
    virtues = f" ด้าน{', '.join(h.virtues)}" if h.virtues else ""
    return f"{_label(h.name, h.unit if h.kind == PERSON else '')}{virtues}"


def share_link(text: str) -> str:
    return "https://line.me/R/share?text=" + quote(text, safe="")


def announcement_text(office: str, round_: NominationRound, honoured: list[nominations.Honouree]) -> str:
    """The share text, shortened (whole lines) to keep its link within MAX_SHARE_URL."""
    head = f"ประกาศยกย่องเชิดชูเกียรติ บุคคลคุณธรรมและหน่วยงานคุณธรรม\n{office}\n"
    tail = "\nขอแสดงความยินดีและขอบคุณที่เป็นแบบอย่างที่ดีค่ะ"
    lines = [f"🏅 {_honouree_line(h)}" for h in honoured]
    shown = len(lines)
    while True:
        more = f"\nและอีก {len(lines) - shown} ราย" if shown < len(lines) else ""
        text = head + "\n".join(lines[:shown]) + more + tail
        if len(share_link(text)) <= MAX_SHARE_URL or shown == 0:
            return text
        shown -= 1


def _announcement(ctx: Context, round_: NominationRound) -> Reply:
    honoured = nominations.honourees(ctx.db, round_)
    people = [h for h in honoured if h.kind == PERSON]
    units = [h for h in honoured if h.kind == UNIT]
    body: list[dict] = [ui.label(round_.title, size="xs", color=ui.GREY)]
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
             ui.label(ui.thai_date(ctx.now), size="xs", color=ui.GREY, align="end")]
    card = ui.bubble("ประกาศยกย่องเชิดชูเกียรติ", body, subtitle=ctx.settings.office_name, color=GOLD)
    link = share_link(announcement_text(ctx.settings.office_name, round_, honoured))
    names = ", ".join(h.name for h in honoured)
    return [
        ui.flex(f"ประกาศยกย่องเชิดชูเกียรติ: {names}", card),
        ui.text("ส่งต่อการ์ดด้านบนไปยังกลุ่ม LINE ของสำนักงานได้เลยค่ะ: กดค้างที่การ์ด แล้วเลือก \"ส่งต่อ\"\n"
                f"หรือแตะลิงก์นี้เพื่อแชร์เป็นข้อความ:\n{link}"),
    ]
