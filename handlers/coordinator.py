"""สรุป — the coordinator's view: who has acknowledged each pledge document, and who has not."""
from __future__ import annotations

from itertools import groupby

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router, coordinator_only
from models import activity as activities
from models import measures
from models import plan as plans
from models import pledge as pledges
from models import staff as people
from models.plan import IndicatorProgress, Plan
from models.pledge import PledgeVersion
from models.staff import Role, Staff

SHOW_INDICATORS = 10
SHOW_UNITS = 8
SHOW_NAMES = 5


def register(router: Router) -> None:
    router.text(words.SUMMARY, summary)
    router.sub(words.SUMMARY, words.NAMES, pending_list)
    router.sub(words.SUMMARY, words.ACTIVITIES, attendance_list)


@coordinator_only
def summary(ctx: Context, args: str = "") -> Reply:
    plan = plans.current(ctx.db, ctx.now)
    cards: list[ui.Flex] = []
    alt: list[str] = []
    if plan is None:  # this fiscal year has no plan in use: say so first, never last year's as this year's
        card, text = _no_plan_card(ctx)
        cards.append(card)
        alt.append(text)
    else:
        progress = measures.progress(ctx.db, plan, ctx.now)
        if progress:
            cards.append(_indicators_card(ctx, plan, progress))
            alt.append("ตัวชี้วัด: " + ", ".join(f"{p.indicator.code} {thai.percent(p.measured.value)}"
                                                 f"{'%' if p.indicator.target_kind == 'percent' else ''}"
                                                 for p in progress))
    versions = pledges.current_versions(ctx.db)
    registered, total = people.registration_counts(ctx.db)
    for v in versions:
        cards.append(_card(ctx, v, registered, total, plan))
        alt.append(f"{v.title} {thai.percent(pledges.progress(ctx.db, v).percent)}%")
    attendance = _attendance_card(ctx, plan) if plan is not None else None
    if attendance is not None:
        cards.append(attendance)
    if not cards:
        return [ui.text("ยังไม่มีข้อมูลให้สรุปค่ะ (ยังไม่มีแผนและปฏิญญา)")]
    return [ui.flex("สรุป: " + " · ".join(alt), ui.carousel(cards[:12]))]


def _no_plan_card(ctx: Context) -> tuple[ui.Flex, str]:
    """The first card of สรุป when this fiscal year has no plan in use: which year, and how to start it
    (or put its draft in use)."""
    year = plans.fiscal_year_of(ctx.now.date())
    draft = plans.of_year(ctx.db, year, plans.DRAFT) is not None
    coordinator = ctx.staff is not None and ctx.staff.role == Role.COORDINATOR.value  # executives read
    who = "" if coordinator else "ผู้ประสานงาน"
    if draft:
        title = f"แผนปี {year} ยังไม่เริ่มใช้"
        lines = [f"ร่างแผนปีงบประมาณ {year} เตรียมไว้แล้ว แต่ยังไม่เริ่มใช้ บุคลากรจึงยังไม่เห็นแผนและกิจกรรมของปีนี้",
                 f"{who}ตรวจแก้แล้วเริ่มใช้ได้ที่เว็บ: แผน → ปี {year} → \"เริ่มใช้แผนนี้\"",
                 f"หรือคำสั่งบนเซิร์ฟเวอร์ flask --app bot plan activate {year}"]
    else:
        title = f"ยังไม่มีแผนปี {year}"
        lines = [f"ปีงบประมาณ {year} (1 ต.ค. {year - 1} – 30 ก.ย. {year}) ยังไม่มีแผน "
                 "บุคลากรจึงยังไม่เห็นแผนและกิจกรรมของปีนี้",
                 f"{who}เริ่มได้ที่เว็บ: แผน → \"เริ่มแผนปีงบประมาณ {year}\" (ตัวชี้วัดและกิจกรรมเดิม "
                 "เลื่อนวันไป 1 ปี แก้ไขได้ก่อนเริ่มใช้)",
                 "หรือคำสั่งบนเซิร์ฟเวอร์ flask --app bot plan next-year"]
    body = [ui.label(lines[0], size="sm", color=ui.INK)]
    body += [ui.label(line, size="xs", color=ui.GREY, margin="md") for line in lines[1:]]
    footer = [ui.button(ui.message_action("เปิดเว็บ", words.WEB))] if coordinator else None
    return ui.bubble(title, body, footer=footer, subtitle="ปีงบประมาณ 1 ต.ค. – 30 ก.ย.", color=ui.AMBER), title


def _indicators_card(ctx: Context, plan: Plan, progress: list[IndicatorProgress]) -> ui.Flex:
    today = ctx.now.date()
    body: list[ui.Flex] = []
    for item in progress[:SHOW_INDICATORS]:
        ind = item.indicator
        upcoming = item.next or (item.milestones[-1] if item.milestones else None)
        mark, color = ui.state_mark(item.state.value)
        if ind.target_kind == "percent":
            figure = f"{thai.percent(item.measured.value)}% ({item.measured.done}/{item.measured.total})"
            bar = ui.progress_bar(round(item.measured.value), 100, color=color)
        else:
            figure = f"{thai.percent(item.measured.value)} / {thai.percent(ind.target)}"
            bar = ui.progress_bar(min(item.measured.value, ind.target), ind.target, color=color)
        when = ""
        if upcoming is not None:
            target = (f"{thai.percent(upcoming.milestone.target)}%" if ind.target_kind == "percent"
                      else thai.percent(upcoming.milestone.target))
            when = f"เป้า {target} ภายใน {thai.thai_date(upcoming.due)}"
            if item.state.value != "done":
                when += f" · {thai.days_text(upcoming.due, today)}"
        body.append({"type": "box", "layout": "vertical", "margin": "lg", "spacing": "xs", "contents": [
            ui.label(f"{ind.code} {thai.shorten(ind.title, 38)}", size="sm", weight="bold", color=ui.INK),
            bar,
            {"type": "text", "wrap": True, "size": "xxs", "color": ui.GREY, "contents": [
                {"type": "span", "text": mark, "color": color, "weight": "bold"},
                {"type": "span", "text": f" · {figure}" + (f" · {when}" if when else "")},
            ]},
        ]})
    if len(progress) > SHOW_INDICATORS:
        body.append(ui.label(f"และอีก {len(progress) - SHOW_INDICATORS} ตัวชี้วัด", size="xs", color=ui.GREY))
    return ui.bubble(f"ตัวชี้วัด ปี {plan.fiscal_year}", body,
                     subtitle=f"เร่งด่วนที่สุดก่อน · ข้อมูล ณ {thai.thai_date(ctx.now)}")


def _attendance_card(ctx: Context, plan: Plan | None) -> ui.Flex | None:
    plan_id = plan.id if plan else None
    per_activity = [(a, n) for a, n in activities.attendance_per_activity(ctx.db, plan_id) if a.scheduled]
    if not per_activity:
        return None
    body: list[ui.Flex] = [ui.label("ผู้เข้าร่วมรายกิจกรรม", size="sm", weight="bold", color=ui.INK)]
    for a, n in per_activity[-6:]:
        mark = " ✓" if a.done_at else ""
        body.append({"type": "box", "layout": "horizontal", "margin": "sm", "contents": [
            ui.label(thai.shorten(a.title, 40) + mark, size="xs", color=ui.INK, flex=1),
            ui.figure(f"{n} คน", size="xs"),
        ]})
    body += [ui.separator(), ui.label("คนที่เคยมาร่วม รายหน่วยงาน (น้อยที่สุดก่อน)", size="sm", weight="bold",
                                       color=ui.INK, margin="md")]
    units = sorted(activities.attendance_per_unit(ctx.db, plan_id), key=lambda u: (u.percent, u.name))
    body += [ui.progress_row(u.name, u.attended, u.total, u.percent) for u in units[:SHOW_UNITS]]
    never = activities.never_came(ctx.db, plan_id)
    if never:
        body += [ui.separator(), ui.label(f"ยังไม่เคยร่วมกิจกรรม {len(never)} คน", size="sm", weight="bold",
                                           color=ui.RED, margin="md")]
        body += [ui.label(f"• {p.name} ({p.unit})", size="xs", color=ui.INK) for p in never[:SHOW_NAMES]]
    footer = [ui.button(ui.message_action("ดูการเข้าร่วมทั้งหมด", words.SUMMARY_ACTIVITIES), style="secondary")]
    return ui.bubble("การเข้าร่วมกิจกรรม (3.1)", body, footer=footer,
                     subtitle=f"{len(per_activity)} กิจกรรมที่กำหนดวันแล้ว")


@coordinator_only
def attendance_list(ctx: Context, args: str = "") -> Reply:
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        card, _ = _no_plan_card(ctx)
        return [ui.text(f"ปีงบประมาณ {plans.fiscal_year_of(ctx.now.date())} ยังไม่มีแผนที่ใช้อยู่ "
                        "จึงยังไม่มีกิจกรรมของปีนี้ให้สรุปค่ะ"), ui.flex("ยังไม่มีแผนของปีนี้", card)]
    plan_id = plan.id
    lines = ["📋 ผู้เข้าร่วมรายกิจกรรม"]
    for a, n in activities.attendance_per_activity(ctx.db, plan_id):
        when = thai.thai_date(a.starts_at.astimezone(ctx.settings.tz)) if a.starts_at else "ยังไม่กำหนดวัน"
        lines.append(f"• {a.title} ({when}): {n} คน{' · ทำแล้ว' if a.done_at else ''}")
    lines.append("\n🏢 คนที่เคยมาร่วม รายหน่วยงาน")
    lines += [f"• {u.name}: {u.attended}/{u.total} ({thai.percent(u.percent)}%)"
              for u in activities.attendance_per_unit(ctx.db, plan_id)]
    never = activities.never_came(ctx.db, plan_id)
    lines.append(f"\n🙋 ยังไม่เคยร่วมกิจกรรม {len(never)} คน")
    lines += _by_unit(never)
    return ui.texts(lines)


def _by_unit(people: list[Staff]) -> list[str]:
    """Names under their unit's heading; `people` sorted by unit. Marks who has not registered yet."""
    lines: list[str] = []
    for unit, group in groupby(people, key=lambda p: p.unit):
        members = list(group)
        lines.append(f"\n{unit} ({len(members)} คน)")
        lines += [f"• {p.name}{'' if p.line_user_id else ' (ยังไม่ลงทะเบียน)'}" for p in members]
    return lines


def deadline_text(ctx: Context, plan: Plan | None = None) -> tuple[str, str]:
    deadline = plans.deadline(ctx.db, plan, "1.2") or ctx.settings.pledge_deadline
    year = plans.fiscal_year_of(ctx.now.date())
    if plan is None and plans.fiscal_year_of(deadline) != year:  # last year's date is no deadline now
        return f"ยังไม่มีกำหนด (รอแผนปีงบประมาณ {year})", ui.GREY
    days = (deadline - ctx.now.date()).days
    when = f"กำหนด {thai.thai_date(deadline)}"
    if days > 0:
        return f"{when} · เหลืออีก {days} วัน", ui.AMBER if days <= 14 else ui.GREY
    if days == 0:
        return f"{when} · ครบกำหนดวันนี้", ui.RED
    return f"{when} · เลยกำหนดมาแล้ว {-days} วัน", ui.RED


def _card(ctx: Context, version: PledgeVersion, registered: int, total: int, plan: Plan | None) -> ui.Flex:
    overall = pledges.progress(ctx.db, version)
    units = sorted(pledges.unit_progress(ctx.db, version), key=lambda u: (u.percent, u.unit))
    deadline, deadline_color = deadline_text(ctx, plan)
    if overall.total and overall.remaining == 0:
        deadline, deadline_color = f"ครบทุกคนแล้ว ({deadline})", ui.GREEN
    body: list[ui.Flex] = [
        ui.progress_row("ทั้งสำนักงาน", overall.done, overall.total, overall.percent, bold=True),
        ui.label(deadline, size="xs", color=deadline_color, margin="sm"),
        ui.label(f"ลงทะเบียน LINE แล้ว {registered} จาก {total} คน", size="xs", color=ui.GREY),
        ui.separator(),
        ui.label("รายหน่วยงาน (น้อยที่สุดก่อน)", size="sm", weight="bold", color=ui.INK, margin="md"),
    ]
    body += [ui.progress_row(u.unit, u.done, u.total, u.percent) for u in units[:SHOW_UNITS]]
    if len(units) > SHOW_UNITS:
        body.append(ui.label(f"และอีก {len(units) - SHOW_UNITS} หน่วยงาน", size="xs", color=ui.GREY, margin="sm"))
    footer: list[ui.Flex] = []
    if overall.remaining:
        names = pledges.pending(ctx.db, version, limit=SHOW_NAMES)
        body += [ui.separator(),
                 ui.label(f"ยังไม่รับทราบ {overall.remaining} คน", size="sm", weight="bold", color=ui.RED,
                          margin="md")]
        body += [ui.label(f"• {p.name} ({p.unit})", size="xs", color=ui.INK) for p in names]
        if overall.remaining > len(names):
            body.append(ui.label(f"และอีก {overall.remaining - len(names)} คน", size="xs", color=ui.GREY))
        footer.append(ui.button(ui.message_action("ดูรายชื่อทั้งหมด", words.SUMMARY_NAMES), style="secondary"))
    return ui.bubble(version.title, body, footer=footer or None,
                     subtitle=f"ฉบับที่ {version.version} · ตัวชี้วัด 1.2 (เป้าหมาย 100%)")


@coordinator_only
def pending_list(ctx: Context, args: str = "") -> Reply:
    versions = pledges.current_versions(ctx.db)
    if not versions:
        return [ui.text("ยังไม่มีปฏิญญาที่ประกาศใช้ค่ะ")]
    lines: list[str] = []
    for version in versions:
        people = pledges.pending(ctx.db, version)
        lines.append(f"{'' if not lines else chr(10)}📄 {version.title} (ฉบับที่ {version.version})")
        if not people:
            lines.append("รับทราบครบทุกคนแล้ว")
            continue
        lines.append(f"ยังไม่รับทราบ {len(people)} คน")
        lines += _by_unit(people)
    return ui.texts(lines)
