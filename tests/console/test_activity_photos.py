"""ภาพจากผู้เข้าร่วม on an activity's page: the photos staff sent in LINE during check-in, each with
its sender; a coordinator attaches one as evidence of 3.1 (once, however often the button is
pressed); an executive sees the photos and no button, and cannot attach."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from PIL import Image

from models import activity as activities
from models.activity import Activity
from models.evidence import Evidence
from models.files import StoredFile
from tests.conftest import text_of
from tests.support import text_of_page


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (9, 7), (240, 180, 20)).save(out, format="PNG")
    return out.getvalue()


def open_activity(bot, plan_id: int) -> tuple[int, str]:
    """An activity of the plan in use whose check-in is open now: (id, code)."""
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        activity = Activity(plan_id=plan_id, title="จิตอาสาทำความสะอาดวัด", code=activities.new_code(db))
        activities.schedule(activity, now + timedelta(minutes=10), now + timedelta(hours=2))
        db.add(activity)
        db.flush()
        return activity.id, activity.code


def evidence_of(bot) -> list[Evidence]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(Evidence).order_by(Evidence.id)))


def test_a_photo_from_line_attached_once_as_evidence_of_3_1(bot, console, executive_console, line, register,
                                                             this_year_plan):
    activity_id, code = open_activity(bot, this_year_plan)
    staff = register("S01")
    line.say(staff, f"เช็คอิน {code}")
    photo = png_bytes()
    assert "ได้รับภาพกิจกรรม \"จิตอาสาทำความสะอาดวัด\" แล้ว" in text_of(line.send_content(staff, photo))
    with bot.db.sessions() as db:
        (kept,) = db.scalars(sa.select(StoredFile))
        sender = kept.uploaded_by_id
    page = console.get(f"/console/activities/{activity_id}")
    html, text = page.get_data(as_text=True), text_of_page(page)
    assert "ภาพจากผู้เข้าร่วม" in text and "แนบเป็นหลักฐาน 3.1" in text and "ไฟล์หลักฐาน (1)" not in text
    assert re.search(rf'<img[^>]+src="/console/files/{kept.id}"', html)
    assert console.get(f"/console/files/{kept.id}").data == photo  # the thumbnail is the photo itself

    attach = f"/console/activities/{activity_id}/photos/{kept.id}/attach"
    assert console.post(attach, csrf=False).status_code == 400 and evidence_of(bot) == []  # no CSRF token
    executive_page = executive_console.get(f"/console/activities/{activity_id}")
    assert "ภาพจากผู้เข้าร่วม" in text_of_page(executive_page) and "แนบเป็นหลักฐาน" not in text_of_page(executive_page)
    assert executive_console.post(attach).status_code == 403 and evidence_of(bot) == []

    first = console.post(attach)
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/console/activities/{activity_id}#photos")
    again = console.post(attach)
    assert again.status_code == 302
    (item,) = evidence_of(bot)
    assert (item.indicator_code, item.kind, item.file_id, item.activity_id, item.source, item.plan_id) == (
        "3.1", "file", kept.id, activity_id, "console", this_year_plan)
    assert "จิตอาสาทำความสะอาดวัด" in item.title and item.recorded_by_id != sender
    after = text_of_page(console.get(f"/console/activities/{activity_id}"))
    assert "แนบแล้ว" in after and "แนบเป็นหลักฐาน 3.1" not in after
    assert "ไว้แล้ว" in after  # the second press said so

    other_id, _ = open_activity(bot, this_year_plan)  # a photo is attached from its own activity only
    assert console.post(f"/console/activities/{other_id}/photos/{kept.id}/attach").status_code == 404
