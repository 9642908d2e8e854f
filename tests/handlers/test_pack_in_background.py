"""The evidence pack asked for in LINE and made by the scheduler's documents job alone
(DOCUMENTS_IN_WEB=0): a second tap while it waits makes one pack, the link is pushed once, a pack
that cannot be made is said in the chat, and a pack whose maker died is taken up again."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.fakeline import PUSH
from models import docbuild
from models.docbuild import DocumentBuild
from tests.conftest import text_of
from tests.handlers.test_reports import pack_button


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, documents_in_web=False)


def test_a_second_tap_while_the_pack_waits_makes_one_pack(bot, line, line_api, register, runner, this_year_plan):
    user = register("C01")
    data = pack_button(line, user)
    assert "รับคำขอแล้วค่ะ" in text_of(line.tap(user, data))
    again = text_of(line.tap(user, data))
    assert "ชุดหลักฐานที่ท่านขอไว้เมื่อ" in again and "กำลังจัดทำอยู่ค่ะ" in again
    assert line_api.calls(PUSH) == []
    ran = runner.invoke(args=["jobs", "run", "documents"])
    assert ran.exit_code == 0, ran.output
    pushes = [c for c in line_api.calls(PUSH) if c.body.get("to") == user]
    assert len(pushes) == 1 and "ชุดหลักฐานพร้อมดาวน์โหลดแล้วค่ะ" in text_of(pushes[0].body["messages"])
    with bot.db.session() as db:
        assert [b.state for b in db.scalars(sa.select(DocumentBuild))] == ["ready"]


def test_a_pack_that_cannot_be_made_is_said_in_the_chat(bot, line, line_api, register, runner, this_year_plan):
    bot.settings.documents_dir.write_text("a file where DOCUMENTS_DIR should be a folder")
    user = register("C01")
    line.tap(user, pack_button(line, user))
    ran = runner.invoke(args=["jobs", "run", "documents"])
    assert ran.exit_code == 0, ran.output
    (push,) = [c.body for c in line_api.calls(PUSH) if c.body.get("to") == user]
    assert "ขออภัยค่ะ จัดทำชุดหลักฐาน" in text_of(push["messages"]) and "ไม่สำเร็จ" in text_of(push["messages"])
    with bot.db.session() as db:
        (build,) = db.scalars(sa.select(DocumentBuild)).all()
    assert build.state == "failed" and "ระบบขัดข้อง" in build.error


def test_a_pack_whose_maker_died_is_made_again_later(bot, line, line_api, register, runner, this_year_plan):
    user = register("C01")
    line.tap(user, pack_button(line, user))
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:  # as a web process killed while making it leaves it
        db.execute(sa.update(DocumentBuild).values(state="making", started_at=now - timedelta(minutes=5), attempts=1))
    ran = runner.invoke(args=["jobs", "run", "documents"])
    assert ran.exit_code == 0, ran.output
    assert line_api.calls(PUSH) == []  # five minutes is not long enough to give up on its maker
    ran = runner.invoke(args=["jobs", "run", "documents", "--at", (now + timedelta(minutes=11)).isoformat()])
    assert ran.exit_code == 0, ran.output
    (push,) = [c.body for c in line_api.calls(PUSH) if c.body.get("to") == user]
    assert "ชุดหลักฐานพร้อมดาวน์โหลดแล้วค่ะ" in text_of(push["messages"])
    with bot.db.session() as db:
        (build,) = db.scalars(sa.select(DocumentBuild)).all()
    assert (build.state, build.attempts) == ("ready", 2)


def test_a_claimed_pack_leaves_no_transaction_open(bot, line, register, this_year_plan):
    """On SQLite a transaction left open holds the write lock: the webhook would wait for the whole build."""
    user = register("C01")
    line.tap(user, pack_button(line, user))
    with bot.db.sessions() as db:
        claimed = docbuild.claim(db, datetime.now(bot.settings.tz))
        assert claimed is not None and claimed.state == "making" and claimed.attempts == 1
        assert not db.in_transaction()
        assert docbuild.claim(db, datetime.now(bot.settings.tz)) is None  # one maker per pack
        assert not db.in_transaction()


def test_two_packs_queued_each_asker_is_told_when_theirs_is_made(bot, line, line_api, register, runner,
                                                                  this_year_plan):
    coordinator, executive = register("C01"), register("E01")
    line.tap(coordinator, pack_button(line, coordinator))
    line.tap(executive, pack_button(line, executive))
    ran = runner.invoke(args=["jobs", "run", "documents"])
    assert ran.exit_code == 0, ran.output
    told = {c.body["to"]: c for c in line_api.calls(PUSH) if c.status == 200}
    assert set(told) == {coordinator, executive} and len(line_api.calls(PUSH)) == 2
    with bot.db.session() as db:
        second = db.scalars(sa.select(DocumentBuild).order_by(DocumentBuild.id)).all()[1]
    # the first asker's link went out before the second pack was done, not after both
    assert told[coordinator].at < second.finished_at.timestamp()


def test_a_maker_taken_over_after_stale_cannot_end_the_row(bot, line, line_api, register, runner, this_year_plan):
    user = register("C01")
    line.tap(user, pack_button(line, user))
    now = datetime.now(bot.settings.tz)
    with bot.db.sessions() as slow:  # maker A claims it, then takes longer than STALE
        first = docbuild.claim(slow, now - timedelta(minutes=11))
        assert first is not None and first.attempts == 1
        ran = runner.invoke(args=["jobs", "run", "documents"])  # maker B takes it up and makes it
        assert ran.exit_code == 0, ran.output
        assert docbuild.finish(slow, first, "late.zip", 1, "0" * 64, now) is None
        assert docbuild.fail(slow, first, "late", now) is None
        slow.commit()
    with bot.db.session() as db:
        (build,) = db.scalars(sa.select(DocumentBuild)).all()
    assert (build.state, build.attempts) == ("ready", 2) and build.stored_name != "late.zip"
    assert len([c for c in line_api.calls(PUSH) if c.body.get("to") == user]) == 1
