"""เสนอชื่อ — nominate virtuous people and units, privately, and see or withdraw one's own
nominations (indicator 4.1). The coordinator's side (rounds, tally, honourees, the announcement)
is handlers/honours.py.

The conversation (flow "nomination"), one step per message, `ยกเลิก` at any step:

    เสนอชื่อ → kind (บุคคล / หน่วยงาน)
             → who   (type part of a name; up to 12 matches as chips, or type their number)
               unit  (chips when there are at most 12 units; else type part of the name)
             → virtue (one of the 5, chips; those already given to this nominee are left out)
             → why   (at least one sentence; keyboard mash, digits or emoji alone are asked again)
             → confirm (a card: ยืนยัน / ยกเลิก) → stored once

Every step declares its prompt, so ช่วยเหลือ and ทำต่อ ask it again with its choices. Withdrawing a
nomination asks first (flow "nomination_withdraw": ยืนยัน / ยกเลิก).

Choices and the card carry a nonce (`q`) that changes whenever new choices are shown, so a chip or
card from an earlier message cannot act on the current step. The round is checked again when the
card is confirmed: a round closed meanwhile stores nothing.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from linebot.v3.messaging import FlexMessage, TextMessage

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from handlers import texts
from handlers.texts import with_unit
from models import names
from models import nomination as nominations
from models.nomination import PERSON, UNIT, Nomination, NominationError, NominationRound, Refusal
from models.proposal import VIRTUES, virtue_of
from models.staff import Staff

FLOW = "nomination"
STEPS = ("kind", "who", "unit", "virtue", "why", "confirm")
PICK = "nomination.pick"          # a=nomination.pick&q=<nonce>&i=<index of the choice>
CONFIRM = "nomination.confirm"    # a=nomination.confirm&q=<nonce>
CANCEL = "nomination.cancel"      # a=nomination.cancel&q=<nonce>
WITHDRAW = "nomination.withdraw"  # a=nomination.withdraw&n=<nomination id>: asks first
WITHDRAW_OK = "nomination.withdraw_ok"  # a=nomination.withdraw_ok&n=<nomination id>: confirmed
WITHDRAW_NO = "nomination.withdraw_no"  # a=nomination.withdraw_no&n=<nomination id>: kept
WITHDRAW_FLOW = "nomination_withdraw"
REASON_EXAMPLE = "เช่น \"ช่วยเหลือเพื่อนร่วมงานเสมอ และอาสาทำงานส่วนรวมโดยไม่ต้องร้องขอ\""

PRIVACY = ("🔒 การเสนอชื่อเป็นความลับ เห็นได้เฉพาะผู้ประสานงานและผู้บริหาร "
           "ผู้ถูกเสนอชื่อจะไม่ทราบว่าใครเป็นผู้เสนอ")
MINE_PER_CARD = 6


@dataclass(frozen=True)
class NominationDraft:
    round: int = 0                         # the round's id
    kind: str = ""                         # PERSON or UNIT
    nominee: int | None = None             # the person's staff id
    unit: str = ""                         # the unit nominated, or the person's unit
    q: str = ""                            # the nonce of the choices or the card on offer
    choices: tuple[int | str, ...] = ()    # staff ids or unit names on offer, in the order shown
    done: tuple[str, ...] = ()             # virtues this nominator already gave this nominee
    virtue: str = ""
    reason: str = ""


@dataclass(frozen=True)
class WithdrawDraft:
    nomination: int = 0  # the nomination's id


def register(router: Router) -> None:
    router.flow(FLOW, "การเสนอชื่อ", steps=STEPS, draft=NominationDraft)
    router.flow(WITHDRAW_FLOW, "การถอนการเสนอชื่อ", steps=("confirm",), draft=WithdrawDraft)
    router.text(words.NOMINATE, start)
    router.sub(words.NOMINATE, words.MINE, mine)
    router.step(FLOW, "kind", kind, prompt=ask_kind)
    router.step(FLOW, "who", who, prompt=ask_who)
    router.step(FLOW, "unit", unit, prompt=ask_unit)
    router.step(FLOW, "virtue", virtue, prompt=ask_virtue)
    router.step(FLOW, "why", why, prompt=ask_why)
    router.step(FLOW, "confirm", typed_confirm, prompt=ask_confirm)
    router.step(WITHDRAW_FLOW, "confirm", typed_withdraw, prompt=ask_withdraw)
    router.postback(PICK, pick)
    router.postback(CONFIRM, confirm)
    router.postback(CANCEL, cancel)
    router.postback(WITHDRAW, withdraw)
    router.postback(WITHDRAW_OK, withdraw_confirmed)
    router.postback(WITHDRAW_NO, withdraw_cancelled)


# -- small helpers -------------------------------------------------------------------------------
def _draft(ctx: Context) -> NominationDraft:
    return ctx.draft(NominationDraft)


def _in_flow(ctx: Context, *steps: str) -> bool:
    c = ctx.conversation
    return c is not None and c.flow == FLOW and (not steps or c.step in steps)


def _nominee_text(ctx: Context, draft: NominationDraft) -> tuple[str, str]:
    """(name, unit) of the nominee held in the conversation."""
    if draft.kind == PERSON:
        person = ctx.db.get(Staff, draft.nominee or 0)
        return (person.name, person.unit) if person is not None else ("-", "")
    return draft.unit, ""


def _expired(note: str = "") -> Reply:
    return [ui.text((note + "\n" if note else "")
                    + "ปุ่มนี้ใช้ไม่ได้แล้วค่ะ (ยืนยันไปแล้ว ยกเลิกแล้ว หรือหมดเวลา) "
                      f"พิมพ์ \"{words.NOMINATE}\" เพื่อเริ่มใหม่",
                    ui.chips(words.NOMINATE, words.NOMINATE_MINE))]


def _round_still_open(ctx: Context, draft: NominationDraft) -> NominationRound | None:
    round_ = nominations.get_round(ctx.db, draft.round)
    return round_ if round_ is not None and round_.is_open(ctx.now) else None


def _round_closed(ctx: Context) -> Reply:
    ctx.end()
    return [ui.text("ขออภัยค่ะ รอบการเสนอชื่อปิดไปแล้ว จึงไม่ได้บันทึกการเสนอชื่อนี้",
                    ui.chips(words.NOMINATE_MINE))]


def _not_open(ctx: Context) -> Reply:
    upcoming = nominations.next_round(ctx.db, ctx.now)
    if upcoming is not None:
        when = thai.thai_datetime(upcoming.opens_at.astimezone(ctx.settings.tz))
        return [ui.text(f"ขณะนี้ยังไม่เปิดให้เสนอชื่อค่ะ\nรอบถัดไป {texts.quoted(upcoming.title, None)} เปิด {when}"
                        + (f" ถึง {texts.last_day(upcoming)}" if upcoming.closes_on else ""))]
    latest = nominations.latest_round(ctx.db, ctx.now)
    if latest is not None:
        day = nominations.closed_on(latest, ctx.settings.tz)
        when = f"เมื่อ {thai.thai_date(day)} " if day else ""
        return [ui.text(f"รอบการเสนอชื่อ {texts.quoted(latest.title, None)} ปิดไปแล้ว{when}ค่ะ\n"
                        "ขณะนี้ไม่มีรอบที่เปิดอยู่ ผู้ประสานงานจะแจ้งเมื่อเปิดรอบใหม่")]
    return [ui.text("ขณะนี้ยังไม่เปิดให้เสนอชื่อค่ะ ผู้ประสานงานจะแจ้งเมื่อเปิดรอบการเสนอชื่อ")]


# -- the conversation ----------------------------------------------------------------------------
def start(ctx: Context, args: str = "") -> Reply:
    round_ = nominations.open_round(ctx.db, ctx.now)
    if round_ is None:
        return _not_open(ctx)
    closing = f"\nเปิดรับถึง {texts.last_day(round_)}" if round_.closes_on else ""
    intro = f"เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม\n{texts.quoted(round_.title, None)}{closing}\n\n{PRIVACY}\n\n"
    ctx.begin(FLOW, "kind", NominationDraft(round=round_.id))
    answer = args.strip().casefold()
    if answer in words.PERSON.spellings + words.UNIT.spellings:  # เสนอชื่อ หน่วยงาน
        replies = kind(ctx, args)
        return [ui.text(intro.strip())] + replies
    if args.strip():  # เสนอชื่อ สมชาย: straight to the name search
        ctx.begin(FLOW, "who", NominationDraft(round=round_.id, kind=PERSON))
        return _search_people(ctx, args.strip(), intro=intro)
    return ask_kind(ctx, intro)


# -- each step's question, asked again by ช่วยเหลือ and ทำต่อ -----------------------------------------------
def ask_kind(ctx: Context, intro: str = "") -> Reply:
    return [ui.text(intro + f"ขั้นที่ 1/4: ท่านต้องการเสนอชื่อ \"{words.PERSON}\" หรือ \"{words.UNIT}\" คะ?",
                    ui.chips(words.PERSON, words.UNIT, words.CANCEL))]


def ask_who(ctx: Context) -> Reply:
    draft = _draft(ctx)
    people = [p for p in (ctx.db.get(Staff, int(i)) for i in draft.choices) if p is not None]
    return [_people_choices(draft, people)] if people and draft.q else [_ask_name()]


def ask_unit(ctx: Context) -> Reply:
    draft = _draft(ctx)
    if draft.choices and draft.q:
        return [_unit_choices(ctx, draft, [str(u) for u in draft.choices], note="")]
    return [ui.text("ขั้นที่ 2/4: พิมพ์ชื่อหน่วยงานที่ต้องการเสนอชื่อค่ะ (บางส่วนก็ได้) เช่น เมือง", ui.chips(words.CANCEL))]


def ask_virtue(ctx: Context) -> Reply:
    draft = _draft(ctx)
    name, unit_ = _nominee_text(ctx, draft)
    return [_ask_virtue(name, unit_, [v for v in VIRTUES if v not in draft.done])]


def ask_why(ctx: Context, prefix: str = "") -> Reply:
    draft = _draft(ctx)
    name, _ = _nominee_text(ctx, draft)
    return [ui.text(f"{prefix}ขั้นที่ 4/4: เล่าสั้น ๆ ว่า {name} เป็นแบบอย่างด้าน{draft.virtue}อย่างไรคะ "
                    f"(อย่างน้อย 1 ประโยค)", ui.chips(words.CANCEL))]


def ask_confirm(ctx: Context) -> Reply:
    draft = _draft(ctx)
    round_ = _round_still_open(ctx, draft)
    if round_ is None:
        return _round_closed(ctx)
    return [_confirm_card(ctx, round_, draft)]


def kind(ctx: Context, text: str) -> Reply:
    draft = _draft(ctx)
    if _round_still_open(ctx, draft) is None:
        return _round_closed(ctx)
    answer = text.strip().casefold()
    if answer in words.PERSON.spellings:
        ctx.begin(FLOW, "who", replace(draft, kind=PERSON))
        return [_ask_name()]
    if answer in words.UNIT.spellings:
        ctx.begin(FLOW, "unit", replace(draft, kind=UNIT))
        return _offer_units(ctx, nominations.units(ctx.db))
    return [ui.text(f"กรุณาแตะ \"{words.PERSON}\" หรือ \"{words.UNIT}\" ค่ะ",
                    ui.chips(words.PERSON, words.UNIT, words.CANCEL))]


def _ask_name(prefix: str = "") -> TextMessage:
    return ui.text(prefix + "ขั้นที่ 2/4: พิมพ์ชื่อหรือนามสกุลของผู้ที่ต้องการเสนอชื่อค่ะ "
                   "(บางส่วนก็ได้ ไม่ต้องพิมพ์คำนำหน้า) เช่น สมชาย", ui.chips(words.CANCEL))


def _closed_or_picked(ctx: Context, text: str) -> Reply | None:
    """The answer when the round has closed or the text picks a numbered choice; None otherwise."""
    draft = _draft(ctx)
    if _round_still_open(ctx, draft) is None:
        return _round_closed(ctx)
    choice = _numbered(text, draft)
    return _chosen(ctx, draft, choice) if choice is not None else None


def who(ctx: Context, text: str) -> Reply:
    answered = _closed_or_picked(ctx, text)
    if answered is not None:
        return answered
    return _search_people(ctx, text)


def _numbered(text: str, draft: NominationDraft) -> int | str | None:
    """The choice a typed number names, when choices are on offer."""
    typed = thai.arabic_digits(text.strip()).rstrip(".")
    if typed.isdigit() and 1 <= int(typed) <= len(draft.choices):
        return draft.choices[int(typed) - 1]
    return None


def _search_people(ctx: Context, text: str, intro: str = "") -> Reply:
    assert ctx.staff is not None
    draft = _draft(ctx)
    typed = text[:40]
    if not nominations.query_parts(text):
        return [_ask_name(intro + "กรุณาพิมพ์ชื่อหรือนามสกุล (ไม่ต้องมีคำนำหน้า)\n")]
    found = nominations.search_people(ctx.db, text)
    others = [p for p in found if p.id != ctx.staff.id]
    if not found:
        ctx.begin(FLOW, "who", replace(draft, choices=()))
        return [ui.text(intro + f"ไม่พบชื่อ {texts.quoted(typed)} ในทะเบียนบุคลากรค่ะ กรุณาพิมพ์ใหม่ "
                        "(ชื่อหรือนามสกุลเพียงบางส่วนก็ได้ ไม่ต้องพิมพ์คำนำหน้า)", ui.chips(words.CANCEL))]
    if not others:
        ctx.begin(FLOW, "who", replace(draft, choices=()))
        return [ui.text(intro + "ท่านเสนอชื่อตนเองไม่ได้ค่ะ กรุณาพิมพ์ชื่อของผู้อื่น", ui.chips(words.CANCEL))]
    if len(others) > nominations.MAX_MATCHES:
        ctx.begin(FLOW, "who", replace(draft, choices=()))
        return [ui.text(intro + f"พบ {len(others)} คนที่ตรงกับ {texts.quoted(typed)} มากเกินกว่าจะแสดงได้ค่ะ "
                        "กรุณาพิมพ์ให้ละเอียดขึ้น เช่น ชื่อและนามสกุล", ui.chips(words.CANCEL))]
    draft = replace(draft, q=secrets.token_hex(4), choices=tuple(p.id for p in others))
    ctx.begin(FLOW, "who", draft)
    return [_people_choices(draft, others, intro)]


def _people_choices(draft: NominationDraft, people: list[Staff], intro: str = "") -> TextMessage:
    lines = [f"{i}. {p.name} — {p.unit}" for i, p in enumerate(people, start=1)]
    chips = [ui.pick_chip(f"{i}. {names.without_title(p.name)}", p.name, PICK, q=draft.q, i=i - 1)
             for i, p in enumerate(people, start=1)]
    return ui.text(intro + f"พบ {len(people)} คน แตะเลือกด้านล่าง หรือพิมพ์หมายเลขค่ะ\n" + "\n".join(lines)
                   + "\n\n(ถ้าไม่ใช่ พิมพ์ชื่อใหม่ได้เลย)", ui.chips(*chips, words.CANCEL))


def _offer_units(ctx: Context, found: list[str], typed: str = "") -> Reply:
    assert ctx.staff is not None
    draft = _draft(ctx)
    others = [u for u in found if u != ctx.staff.unit]
    if not typed and not others:
        ctx.end()
        return [ui.text("สำนักงานนี้ไม่มีหน่วยงานอื่นให้เสนอชื่อค่ะ (เสนอชื่อหน่วยงานของตนเองไม่ได้)",
                        ui.chips(words.NOMINATE))]
    if typed and not found:
        ctx.begin(FLOW, "unit", replace(draft, choices=()))
        return [ui.text(f"ไม่พบหน่วยงาน {texts.quoted(typed)} ค่ะ กรุณาพิมพ์ใหม่ (บางส่วนของชื่อก็ได้)",
                        ui.chips(words.CANCEL))]
    if typed and not others:
        ctx.begin(FLOW, "unit", replace(draft, choices=()))
        return [ui.text("ท่านเสนอชื่อหน่วยงานของตนเองไม่ได้ค่ะ กรุณาพิมพ์ชื่อหน่วยงานอื่น", ui.chips(words.CANCEL))]
    if len(others) > nominations.MAX_MATCHES:
        ctx.begin(FLOW, "unit", replace(draft, choices=()))
        lead = (f"พบ {len(others)} หน่วยงานที่ตรงกับ {texts.quoted(typed)} มากเกินกว่าจะแสดงได้ค่ะ "
                "กรุณาพิมพ์ให้ละเอียดขึ้น"
                if typed else "ขั้นที่ 2/4: พิมพ์ชื่อหน่วยงานที่ต้องการเสนอชื่อค่ะ (บางส่วนก็ได้) เช่น เมือง")
        return [ui.text(lead, ui.chips(words.CANCEL))]
    draft = replace(draft, q=secrets.token_hex(4), choices=tuple(others))
    ctx.begin(FLOW, "unit", draft)
    return [_unit_choices(ctx, draft, others, note="\n(ไม่รวมหน่วยงานของท่านเอง)" if ctx.staff.unit in found else "")]


def _unit_choices(ctx: Context, draft: NominationDraft, units: list[str], note: str) -> TextMessage:
    lines = [f"{i}. {u}" for i, u in enumerate(units, start=1)]
    chips = [ui.pick_chip(f"{i}. {u}", u, PICK, q=draft.q, i=i - 1) for i, u in enumerate(units, start=1)]
    lead = "ขั้นที่ 2/4: เลือกหน่วยงานที่ต้องการเสนอชื่อค่ะ (แตะด้านล่าง หรือพิมพ์หมายเลข)"
    return ui.text(f"{lead}\n" + "\n".join(lines) + note, ui.chips(*chips, words.CANCEL))


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
    draft = _draft(ctx)
    if draft.q != q or not i.isdigit() or int(i) >= len(draft.choices):
        return _expired()
    if _round_still_open(ctx, draft) is None:
        return _round_closed(ctx)
    return _chosen(ctx, draft, draft.choices[int(i)])


def _chosen(ctx: Context, draft: NominationDraft, choice: int | str) -> Reply:
    """A person (staff id) or unit (name) was chosen: check it, then ask for the virtue."""
    assert ctx.staff is not None
    if draft.kind == PERSON:
        person = ctx.db.get(Staff, int(choice))
        refused = nominations.target_problem(ctx.staff, PERSON, nominee=person)
        if refused is not None:
            return [_ask_name(texts.refusal(refused) + "ค่ะ\n")]
        assert person is not None  # target_problem refuses a person who is not there
        draft = replace(draft, nominee=person.id, unit=person.unit, choices=(), q="")
        target = nominations.person_target(person.id)
    else:
        refused = nominations.target_problem(ctx.staff, UNIT, unit=str(choice))
        if refused is not None:
            return [ui.text(texts.refusal(refused) + "ค่ะ กรุณาเลือกหน่วยงานอื่น", ui.chips(words.CANCEL))]
        draft = replace(draft, nominee=None, unit=str(choice), choices=(), q="")
        target = nominations.unit_target(str(choice))
    round_ = _round_still_open(ctx, draft)
    assert round_ is not None
    done = nominations.nominated_virtues(ctx.db, round_, ctx.staff, target)
    name, unit_ = _nominee_text(ctx, draft)
    left = [v for v in VIRTUES if v not in done]
    if not left:
        step = "who" if draft.kind == PERSON else "unit"
        ctx.begin(FLOW, step, replace(draft, nominee=None, unit=""))
        lead = f"ท่านเสนอชื่อ {with_unit(name, unit_)} ครบทั้ง 5 ด้านในรอบนี้แล้วค่ะ\n"
        if step == "who":
            return [_ask_name(lead)]
        return [ui.text(lead + "กรุณาพิมพ์ชื่อหน่วยงานอื่น", ui.chips(words.CANCEL))]
    ctx.begin(FLOW, "virtue", replace(draft, done=tuple(sorted(done))))
    return [_ask_virtue(name, unit_, left)]


def _ask_virtue(name: str, unit_: str, left: list[str], prefix: str = "") -> TextMessage:
    lines = [f"{prefix}ขั้นที่ 3/4: ท่านเสนอชื่อ {with_unit(name, unit_)} ในด้านคุณธรรมใดคะ?"]
    if len(left) < len(VIRTUES):
        lines.append(f"(ด้าน{', '.join(v for v in VIRTUES if v not in left)} ท่านเสนอไว้แล้ว)")
    return ui.text("\n".join(lines), ui.chips(*left, words.CANCEL))


def virtue(ctx: Context, text: str) -> Reply:
    draft = _draft(ctx)
    if _round_still_open(ctx, draft) is None:
        return _round_closed(ctx)
    name, unit_ = _nominee_text(ctx, draft)
    left = [v for v in VIRTUES if v not in draft.done]
    typed = thai.arabic_digits(text.strip())
    numbered = typed.isdigit() and 1 <= int(typed) <= len(VIRTUES)
    chosen = VIRTUES[int(typed) - 1] if numbered else virtue_of(text)
    if chosen is None:
        return [_ask_virtue(name, unit_, left, prefix="กรุณาเลือกคุณธรรมข้อใดข้อหนึ่งจากปุ่มด้านล่างค่ะ\n")]
    if chosen in draft.done:
        return [_ask_virtue(name, unit_, left, prefix=f"ท่านเสนอชื่อ {name} ด้าน{chosen} ไว้แล้วในรอบนี้ค่ะ "
                                                      "เลือกด้านอื่นได้\n")]
    ctx.begin(FLOW, "why", replace(draft, virtue=chosen))
    return ask_why(ctx)


def why(ctx: Context, text: str) -> Reply:
    draft = _draft(ctx)
    round_ = _round_still_open(ctx, draft)
    if round_ is None:
        return _round_closed(ctx)
    problem = texts.answer_problem(text, nominations.reason_problem(text))
    if problem is not None:
        return [ui.text(f"{texts.reason_problem(problem)}ค่ะ\n{REASON_EXAMPLE}", ui.chips(words.CANCEL))]
    draft = replace(draft, reason=" ".join(text.split()), q=secrets.token_hex(4))
    ctx.begin(FLOW, "confirm", draft)
    return [_confirm_card(ctx, round_, draft)]


def _confirm_card(ctx: Context, round_: NominationRound, draft: NominationDraft) -> FlexMessage:
    name, unit_ = _nominee_text(ctx, draft)
    what = "บุคคลคุณธรรม" if draft.kind == PERSON else "หน่วยงานคุณธรรม"
    body = [
        ui.label(what, size="xs", color=ui.GREY),
        ui.label(name, weight="bold", size="md", color=ui.INK),
    ]
    if unit_:
        body.append(ui.label(unit_, size="sm", color=ui.GREY))
    body += [
        ui.label(f"ด้าน{draft.virtue}", weight="bold", size="sm", color=ui.GREEN, margin="md"),
        ui.label("เหตุผล", size="xs", color=ui.GREY, margin="md"),
        ui.label(draft.reason, size="sm", color=ui.INK),
        ui.separator(),
        ui.label(PRIVACY, size="xs", color=ui.GREY, margin="md"),
    ]
    footer = [
        ui.button(ui.postback("ยืนยัน", CONFIRM, display_text="ยืนยันการเสนอชื่อ", q=draft.q)),
        ui.button(ui.postback("ยกเลิก", CANCEL, display_text="ยกเลิก", q=draft.q), style="secondary"),
    ]
    return ui.flex(f"ยืนยันการเสนอชื่อ {name} ด้าน{draft.virtue}",
                   ui.bubble("ยืนยันการเสนอชื่อ", body, footer=footer, subtitle=round_.title))


def typed_confirm(ctx: Context, text: str) -> Reply:
    draft = _draft(ctx)
    if text.strip().casefold() in words.CONFIRM.spellings:
        return _store(ctx, draft)
    round_ = _round_still_open(ctx, draft)
    if round_ is None:
        return _round_closed(ctx)
    return [ui.text(f"กรุณาแตะ \"{words.CONFIRM}\" หรือ \"{words.CANCEL}\" บนการ์ดค่ะ",
                    ui.chips(words.CONFIRM, words.CANCEL)),
            _confirm_card(ctx, round_, draft)]


def confirm(ctx: Context, q: str) -> Reply:
    if not _in_flow(ctx, "confirm") or _draft(ctx).q != q:
        return _expired()
    return _store(ctx, _draft(ctx))


def _store(ctx: Context, draft: NominationDraft) -> Reply:
    assert ctx.staff is not None
    round_ = _round_still_open(ctx, draft)
    if round_ is None:
        return _round_closed(ctx)
    name, unit_ = _nominee_text(ctx, draft)
    nominee = ctx.db.get(Staff, draft.nominee or 0) if draft.kind == PERSON else None
    ctx.end()
    try:
        _, created = nominations.nominate(
            ctx.db, round_, ctx.staff, draft.kind, draft.virtue, draft.reason, ctx.now, nominee=nominee,
            unit=draft.unit, event_id=ctx.event_id)
    except NominationError as exc:
        return [ui.text(f"{texts.refusal(exc)} จึงไม่ได้บันทึกการเสนอชื่อนี้ค่ะ", ui.chips(words.NOMINATE))]
    if not created:
        return [ui.text(f"ท่านเสนอชื่อ {with_unit(name, unit_)} ด้าน{draft.virtue} ไว้แล้วในรอบนี้ค่ะ "
                        "(บันทึกไว้ครั้งเดียว)", ui.chips(words.NOMINATE_MINE, words.NOMINATE))]
    return [ui.text(
        f"บันทึกการเสนอชื่อแล้ว ขอบคุณค่ะ 🙏\n{with_unit(name, unit_)} · ด้าน{draft.virtue}\n\n{PRIVACY}\n\n"
        f"เสนอชื่อเพิ่มได้ (ด้านอื่น หรือคนอื่น) และดูหรือถอนการเสนอชื่อของท่านได้ที่ \"{words.NOMINATE_MINE}\"",
        ui.chips(words.NOMINATE, words.NOMINATE_MINE))]


def cancel(ctx: Context, q: str) -> Reply:
    if not _in_flow(ctx) or _draft(ctx).q != q:
        return _expired()
    ctx.end()
    return [ui.text("ยกเลิกการเสนอชื่อแล้วค่ะ ไม่ได้บันทึกสิ่งที่พิมพ์ไว้",
                    ui.chips(words.NOMINATE, words.NOMINATE_MINE))]


# -- my nominations ------------------------------------------------------------------------------
def mine(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    round_ = nominations.open_round(ctx.db, ctx.now)
    if round_ is None:
        latest = nominations.latest_round(ctx.db, ctx.now)
        if latest is None:
            return _not_open(ctx)
        count = len(nominations.of_nominator(ctx.db, latest, ctx.staff))
        return [ui.text(f"รอบ {texts.quoted(latest.title, None)} ปิดแล้วค่ะ ท่านเสนอชื่อไว้ {count} รายการ "
                        "(ปิดรอบแล้วจึงถอนไม่ได้)")]
    own = nominations.of_nominator(ctx.db, round_, ctx.staff)
    if not own:
        return [ui.text(f"ท่านยังไม่ได้เสนอชื่อในรอบนี้ค่ะ แตะ \"{words.NOMINATE}\" เพื่อเริ่ม",
                        ui.chips(words.NOMINATE))]
    bubbles = []
    for start_at in range(0, len(own), MINE_PER_CARD):
        body: list[ui.Flex] = []
        for n, person in own[start_at:start_at + MINE_PER_CARD]:
            name = person.name if person is not None else n.unit
            unit_ = (person.unit if person is not None else "") if n.kind == PERSON else ""
            if body:
                body.append(ui.separator())
            body += [
                ui.label(with_unit(name, unit_), weight="bold", size="sm", color=ui.INK, margin="md"),
                ui.label(f"ด้าน{n.virtue} · {thai.thai_date(n.created_at.astimezone(ctx.settings.tz))}",
                         size="xs", color=ui.GREEN),
                ui.label(thai.shorten(n.reason, 120), size="xs", color=ui.GREY),
                ui.button(ui.postback("ถอนการเสนอชื่อนี้", WITHDRAW,
                                      display_text=f"ถอนการเสนอชื่อ {name} ด้าน{n.virtue}", n=n.id),
                          style="link"),
            ]
        bubbles.append(ui.bubble("การเสนอชื่อของฉัน", body, subtitle=round_.title))
    intro = (f"ท่านเสนอชื่อในรอบนี้ {len(own)} รายการค่ะ ถอนได้จนกว่าจะปิดรอบ"
             + (f" ({texts.last_day(round_)})" if round_.closes_on else "") + f"\n{PRIVACY}")
    return [ui.text(intro), ui.flex(f"การเสนอชื่อของฉัน {len(own)} รายการ", ui.carousel(bubbles[:12]))]


# -- withdrawing, once confirmed -------------------------------------------------------------------
def _gone() -> Reply:
    return [ui.text("ไม่พบการเสนอชื่อนี้ของท่านค่ะ (อาจถอนไปแล้ว)", ui.chips(words.NOMINATE_MINE))]


def _withdrawable(ctx: Context, nomination_id: int) -> Nomination | Reply:
    """One's own nomination in a round still open; else the answer that says why not."""
    assert ctx.staff is not None
    found = ctx.db.get(Nomination, nomination_id) if nomination_id else None
    if found is None or found.nominator_id != ctx.staff.id:
        return _gone()
    round_ = nominations.get_round(ctx.db, found.round_id)
    if round_ is None or not round_.is_open(ctx.now):
        return [ui.text(f"{texts.refusal(Refusal.WITHDRAW_CLOSED)}ค่ะ")]
    return found


def withdraw(ctx: Context, n: str) -> Reply:
    """The card's ถอน button: ask first (nothing is withdrawn yet)."""
    found = _withdrawable(ctx, ui.row_id(n))
    if not isinstance(found, Nomination):
        return found
    ctx.begin(WITHDRAW_FLOW, "confirm", WithdrawDraft(nomination=found.id))
    return ask_withdraw(ctx)


def ask_withdraw(ctx: Context) -> Reply:
    found = _withdrawable(ctx, ctx.draft(WithdrawDraft).nomination)
    if not isinstance(found, Nomination):
        ctx.end()
        return found
    name = nominations.display_name(ctx.db, found)
    return [ui.text(
        f"ถอนการเสนอชื่อ {name} ด้าน{found.virtue} ใช่ไหมคะ?\nถอนแล้วจะไม่นับในผลการเสนอชื่อ "
        "(เสนอใหม่ได้จนกว่าจะปิดรอบ)",
        ui.chips(ui.pick_chip(words.CONFIRM, "ยืนยันการถอนการเสนอชื่อ", WITHDRAW_OK, n=found.id),
                 ui.pick_chip(words.CANCEL, "ไม่ถอนการเสนอชื่อ", WITHDRAW_NO, n=found.id)))]


def _asked(ctx: Context, nomination_id: int) -> bool:
    """The confirmation on offer is for this nomination (a chip from an older question does nothing)."""
    c = ctx.conversation
    return (c is not None and c.flow == WITHDRAW_FLOW and nomination_id != 0
            and ctx.draft(WithdrawDraft).nomination == nomination_id)


def withdraw_confirmed(ctx: Context, n: str) -> Reply:
    nomination_id = ui.row_id(n)
    if not _asked(ctx, nomination_id):
        return [ui.text(f"ปุ่มนี้ใช้ไม่ได้แล้วค่ะ ยังไม่ได้ถอนการเสนอชื่อ ดูได้ที่ \"{words.NOMINATE_MINE}\"",
                        ui.chips(words.NOMINATE_MINE))]
    return _withdraw(ctx, nomination_id)


def typed_withdraw(ctx: Context, text: str) -> Reply:
    if text.strip().casefold() in words.CONFIRM.spellings:
        return _withdraw(ctx, ctx.draft(WithdrawDraft).nomination)
    return ask_withdraw(ctx)


def _withdraw(ctx: Context, nomination_id: int) -> Reply:
    assert ctx.staff is not None
    ctx.end()
    try:
        done = nominations.withdraw(ctx.db, ctx.staff, nomination_id, ctx.now)
    except NominationError as exc:
        return [ui.text(f"{texts.refusal(exc)}ค่ะ")]
    if done is None:
        return _gone()
    name = nominations.display_name(ctx.db, done)
    return [ui.text(f"ถอนการเสนอชื่อ {name} ด้าน{done.virtue} แล้วค่ะ",
                    ui.chips(words.NOMINATE_MINE, words.NOMINATE))]


def withdraw_cancelled(ctx: Context, n: str) -> Reply:
    if _asked(ctx, ui.row_id(n)):
        ctx.end()
    return [ui.text("ไม่ได้ถอนค่ะ การเสนอชื่อของท่านยังอยู่เหมือนเดิม", ui.chips(words.NOMINATE_MINE, words.NOMINATE))]
