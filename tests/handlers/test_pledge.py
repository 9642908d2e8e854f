"""ปฏิญญา: the card, one acknowledgment per person per version, progress, new versions."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models import pledge as pledges
from models.pledge import PledgeAck, PledgeVersion
from tests.conftest import LineActions, count_rows, payload, post_concurrently, postbacks_in, text_of

BKK = ZoneInfo("Asia/Bangkok")


def current(bot) -> list[PledgeVersion]:
    with bot.db.sessions() as s:
        return pledges.current_versions(s)


def test_default_fy2569_pledge_names_the_five_virtues(bot):
    (version,) = current(bot)
    assert "2569" in version.title
    for virtue in ("พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู"):
        assert virtue in version.body


def test_pledge_shows_a_flex_card_with_one_acknowledge_button(bot, line, register):
    user = register("S01")
    replies = line.say(user, "ปฏิญญา")
    flex = [m for m in replies if m["type"] == "flex"]
    assert len(flex) == 1 and flex[0]["contents"]["type"] == "bubble"
    (version,) = current(bot)
    assert postbacks_in(flex) == [f"a=pledge.ack&v={version.id}"]
    assert "จิตอาสา" in text_of(flex)


def test_acknowledge_once_with_progress(bot, line, register):
    user = register("S01")
    (version,) = current(bot)
    at = datetime(2026, 2, 10, 14, 5, tzinfo=BKK)
    text = text_of(line.tap(user, f"a=pledge.ack&v={version.id}", at=at))
    assert "ขอบคุณ" in text
    assert "ร่วมแล้ว 1 จาก 6 คน (16.7%)" in text
    with bot.db.sessions() as s:
        ack = s.scalar(sa.select(PledgeAck))
        assert ack.acknowledged_at == at
    # A second tap (a new event) says when it was acknowledged, in Thai.
    again = text_of(line.tap(user, f"a=pledge.ack&v={version.id}"))
    assert "ไว้แล้วเมื่อ 10 ก.พ. 2569 เวลา 14:05 น." in again
    assert count_rows(bot, PledgeAck) == 1


def test_progress_counts_everyone_on_the_roster(bot, line, register):
    (version,) = current(bot)
    users = [register(code) for code in ("S01", "S02", "S03")]
    texts = [text_of(line.tap(u, f"a=pledge.ack&v={version.id}")) for u in users]
    assert "ร่วมแล้ว 3 จาก 6 คน (50%)" in texts[-1]


def test_card_after_acknowledging_shows_the_date_and_no_button(bot, line, register):
    user = register("S02")
    (version,) = current(bot)
    line.tap(user, f"a=pledge.ack&v={version.id}", at=datetime(2026, 2, 27, 8, 0, tzinfo=BKK))
    replies = line.say(user, "ปฏิญญา")
    assert postbacks_in(replies) == []
    assert "รับทราบแล้วเมื่อ 27 ก.พ. 2569" in text_of(replies)
    assert "ครบทุกฉบับแล้ว" in text_of(replies)


def test_new_version_must_be_acknowledged_again_and_old_card_points_to_it(bot, line, register, runner, tmp_path):
    user = register("S01")
    (v1,) = current(bot)
    line.tap(user, f"a=pledge.ack&v={v1.id}")
    revised = tmp_path / "pledge.txt"
    revised.write_text(v1.body + "\n6. เพิ่มเติม: ร่วมกันประหยัดพลังงาน", encoding="utf-8")
    result = runner.invoke(args=["pledge", "publish", str(revised), "--title", v1.title])
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    (v2,) = current(bot)
    assert v2.version == 2 and v2.document_id == v1.document_id
    # The person is asked again: the card has the button for version 2.
    assert postbacks_in(line.say(user, "ปฏิญญา")) == [f"a=pledge.ack&v={v2.id}"]
    # Tapping the old card's button does not count; it shows the new one.
    old = line.tap(user, f"a=pledge.ack&v={v1.id}")
    assert "ฉบับปรับปรุงใหม่" in text_of(old) and postbacks_in(old) == [f"a=pledge.ack&v={v2.id}"]
    with bot.db.sessions() as s:
        assert pledges.progress(s, v2).done == 0
    assert "ร่วมแล้ว 1 จาก 6 คน" in text_of(line.tap(user, f"a=pledge.ack&v={v2.id}"))


def test_several_documents_make_a_carousel_of_those_still_to_acknowledge(bot, line, register, runner, tmp_path):
    user = register("S01")
    (declaration,) = current(bot)
    gift = tmp_path / "nogift.txt"
    gift.write_text("นโยบายไม่รับของขวัญ (No Gift Policy)\nบุคลากรทุกคนจะไม่รับของขวัญและของกำนัลทุกชนิด", encoding="utf-8")
    assert runner.invoke(args=["pledge", "publish", str(gift)]).exit_code == 0
    replies = line.say(user, "ปฏิญญา")
    flex = [m for m in replies if m["type"] == "flex"][0]
    assert flex["contents"]["type"] == "carousel" and len(flex["contents"]["contents"]) == 2
    assert "ทั้ง 2 ฉบับ" in text_of(replies)
    versions = current(bot)
    first = text_of(line.tap(user, f"a=pledge.ack&v={versions[0].id}"))
    assert "ยังมีอีก 1 ฉบับ" in first
    remaining = line.say(user, "ปฏิญญา")
    assert postbacks_in(remaining) == [f"a=pledge.ack&v={versions[1].id}"]


def test_retired_document_is_no_longer_asked(bot, line, register, runner):
    user = register("S01")
    (version,) = current(bot)
    assert runner.invoke(args=["pledge", "retire", version.title]).exit_code == 0
    assert "ยังไม่มีปฏิญญา" in text_of(line.say(user, "ปฏิญญา"))
    assert "ยกเลิกการใช้แล้ว" in text_of(line.tap(user, f"a=pledge.ack&v={version.id}"))
    assert count_rows(bot, PledgeAck) == 0


def test_forged_or_broken_postbacks_get_a_helpful_answer(bot, line, register):
    user = register("S01")
    for data in ("a=pledge.ack&v=999999", "a=pledge.ack&v=abc", "a=pledge.ack", "a=pledge.ack&v=1&x=2", "garbage",
                 "a=pledge.ack&v=99999999999999999999", "a=pledge.read&v=99999999999999999999", "a=pledge.ack&v=๑"):
        text = text_of(line.tap(user, data))
        assert "ไม่พบปฏิญญา" in text or "ใช้ไม่ได้แล้ว" in text, data
    assert count_rows(bot, PledgeAck) == 0


def test_publish_rejects_bad_files(runner, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    result = runner.invoke(args=["pledge", "publish", str(empty)])
    assert result.exit_code != 0 and "empty" in result.output
    latin = tmp_path / "latin.txt"
    latin.write_bytes("ปฏิญญา".encode("cp874"))
    result = runner.invoke(args=["pledge", "publish", str(latin)])
    assert result.exit_code != 0 and "UTF-8" in result.output
    long = tmp_path / "long.txt"
    long.write_text("หัวข้อ\n" + "ก" * 5000, encoding="utf-8")
    result = runner.invoke(args=["pledge", "publish", str(long)])
    assert result.exit_code != 0 and "4000" in result.output


def test_long_text_fits_a_card_and_the_carousel_preview_links_the_full_text(bot, line, register, runner, tmp_path):
    user = register("S01")
    long = tmp_path / "long.txt"
    long.write_text("ปฏิญญาฉบับยาว\n" + ("ข้อความยาวมากเพื่อทดสอบ " * 160)[:3990], encoding="utf-8")
    assert runner.invoke(args=["pledge", "publish", str(long)]).exit_code == 0
    replies = line.say(user, "ปฏิญญา")  # two documents: a carousel with a preview of the long one
    long_version = current(bot)[1]
    assert f"a=pledge.read&v={long_version.id}" in postbacks_in(replies)
    full = line.tap(user, f"a=pledge.read&v={long_version.id}")
    assert full[0]["contents"]["type"] == "bubble"  # the fake validated size limits of both


def test_twenty_concurrent_taps_by_one_person_store_one_acknowledgment(bot, line_api, live_app, register):
    user = register("S01")
    (version,) = current(bot)
    actions = LineActions(None, line_api)
    bodies = [payload(actions.postback_event(user, f"a=pledge.ack&v={version.id}")) for _ in range(20)]
    statuses = post_concurrently(live_app.url, bodies)
    assert statuses == [200] * 20
    assert count_rows(bot, PledgeAck) == 1
    replies = [text_of([m]) for m in line_api.messages_for(user)[-20:]]
    assert sum("ขอบคุณที่ร่วมรับทราบ" in r for r in replies) == 1
    assert sum("ไว้แล้วเมื่อ" in r for r in replies) == 19
