"""เช็คอิน: codes, windows at their edges in Asia/Bangkok, places, rotating codes, duplicates."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models import activity as activities
from models.activity import Activity, CheckIn
from tests.conftest import LineActions, count_rows, payload, post_concurrently, postbacks_in, text_of

BKK = ZoneInfo("Asia/Bangkok")
START = datetime(2026, 3, 10, 9, 0, tzinfo=BKK)
OFFICE = (19.9105, 99.8406)  # fictional place for the tests


def add(runner, *extra) -> str:
    result = runner.invoke(args=["activity", "add", "--title", "ทำบุญตักบาตรประจำเดือน",
                                 "--start", "2026-03-10T09:00+07:00", "--end", "2026-03-10T12:00+07:00", *extra])
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def test_add_refuses_people_not_on_the_roster(bot, runner):
    result = runner.invoke(args=["activity", "add", "--title", "อบรมธรรมะ", "--start", "2026-03-10T09:00+07:00",
                                 "--end", "2026-03-10T12:00+07:00", "--responsible", "C01"])
    assert result.exit_code != 0 and "no person with code C01" in result.output  # nobody on the roster yet


def test_checkin_inside_the_window_counts_once(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    too_early = line.say(user, f"เช็คอิน {code}", at=START - timedelta(minutes=31))
    assert "ยังไม่เปิด" in text_of(too_early) and "10 มี.ค. 2569 เวลา 08:30–12:00 น." in text_of(too_early)
    opened = line.say(user, f"เช็คอิน {code.lower()}", at=START - timedelta(minutes=30))
    assert "เช็คอิน \"ทำบุญตักบาตรประจำเดือน\" เรียบร้อย" in text_of(opened)
    again = line.say(user, f"เช็คอิน {code}", at=START + timedelta(hours=1))
    assert "ไว้แล้วเมื่อ 10 มี.ค. 2569 เวลา 08:30 น." in text_of(again)
    assert count_rows(bot, CheckIn) == 1


def test_window_closes_at_the_end(bot, line, register, runner):
    user, other = register("S01"), register("S02")
    code = add(runner)
    assert "เรียบร้อย" in text_of(line.say(user, f"เช็คอิน {code}", at=START + timedelta(hours=3)))
    late = line.say(other, f"เช็คอิน {code}", at=START + timedelta(hours=3, seconds=1))
    assert "ปิดการเช็คอินแล้ว" in text_of(late)


def test_unknown_code_and_open_list(bot, line, register, runner):
    user = register("S01")
    assert "ไม่พบกิจกรรมรหัส" in text_of(line.say(user, "เช็คอิน ZZZZZZ", at=START))
    assert "ไม่มีกิจกรรมที่เปิดเช็คอิน" in text_of(line.say(user, "เช็คอิน", at=START))
    add(runner)
    listing = line.say(user, "เช็คอิน", at=START)
    (tap,) = postbacks_in(listing)
    assert "เรียบร้อย" in text_of(line.tap(user, tap, at=START))
    assert "เช็คอินแล้ว" in text_of(line.say(user, "เช็คอิน", at=START))


def test_place_requires_a_location_within_the_radius(bot, line, register, runner):
    user = register("S01")
    code = add(runner, "--place", "ห้องประชุมสำนักงาน", "--lat", str(OFFICE[0]), "--lon", str(OFFICE[1]),
               "--radius", "150")
    ask = line.say(user, f"เช็คอิน {code}", at=START)
    items = ask[-1]["quickReply"]["items"]
    assert items[0]["action"]["type"] == "location"
    far = line.send(line.event(user, "message", at=START, message={
        "id": "1", "type": "location", "latitude": OFFICE[0] + 0.05, "longitude": OFFICE[1]}))
    assert "ห่างจากสถานที่" in text_of(far) and "5.6 กิโลเมตร" in text_of(far)
    assert "แตะ \"ส่งตำแหน่งที่ตั้ง\"" in text_of(line.say(user, "อยู่แล้วค่ะ", at=START))
    near = line.send(line.event(user, "message", at=START, message={
        "id": "2", "type": "location", "latitude": OFFICE[0] + 0.001, "longitude": OFFICE[1]}))
    assert "เรียบร้อย" in text_of(near)
    with bot.db.sessions() as s:
        stored = s.scalar(sa.select(CheckIn))
    assert abs(stored.latitude - (OFFICE[0] + 0.001)) < 1e-9


def test_rotating_code_is_valid_two_minutes(bot, line, register, runner, client):
    user, other, third = register("S01"), register("S02"), register("S03")
    code = add(runner, "--rotating-qr")
    with bot.db.sessions() as s:
        activity = activities.by_code(s, code)
    secret = bot.settings.channel_secret
    shown = activities.rotating_code(secret, activity, START)
    assert "ต้องสแกน QR" in text_of(line.say(user, f"เช็คอิน {code}", at=START))
    assert "เรียบร้อย" in text_of(line.say(user, f"เช็คอิน {shown}", at=START + timedelta(seconds=30)))
    # Still good in the next 2-minute slot, not after that.
    slot_end = datetime.fromtimestamp((int(START.timestamp()) // 120 + 1) * 120, BKK)
    assert "เรียบร้อย" in text_of(line.say(other, f"เช็คอิน {shown}", at=slot_end + timedelta(seconds=90)))
    assert "ต้องสแกน QR" in text_of(line.say(third, f"เช็คอิน {shown}", at=slot_end + timedelta(seconds=121)))
    # The coordinator's page needs its token.
    result = runner.invoke(args=["activity", "qr", code])
    url = result.output.strip()
    path = url.split("127.0.0.1:8000")[-1]
    assert client.get(path).status_code == 200
    assert client.get(path.replace("t=", "t=x")).status_code == 404
    png = client.get(path.replace("/qr?", "/qr.png?"))
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")


def test_concurrent_checkins_store_one(bot, line_api, live_app, register, runner):
    user = register("S01")
    code = add(runner)
    actions = LineActions(None, line_api)
    bodies = [payload(actions.text_event(user, f"เช็คอิน {code}", at=START)) for _ in range(12)]
    assert post_concurrently(live_app.url, bodies) == [200] * 12
    assert count_rows(bot, CheckIn) == 1


def test_status_lists_activities_attended(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    line.say(user, f"เช็คอิน {code}", at=START)
    assert "กิจกรรมที่เข้าร่วม (1)" in text_of(line.say(user, "สถานะ", at=START))


def test_cli_rejects_bad_input(bot, runner):
    bad = runner.invoke(args=["activity", "add", "--title", "x", "--start", "tomorrow", "--end", "2026-03-10T12:00"])
    assert bad.exit_code != 0 and "ISO-8601" in bad.output
    backwards = runner.invoke(args=["activity", "add", "--title", "x", "--start", "2026-03-10T12:00+07:00",
                                    "--end", "2026-03-10T09:00+07:00"])
    assert backwards.exit_code != 0 and "end must be after the start" in backwards.output
    half = runner.invoke(args=["activity", "add", "--title", "x", "--start", "2026-03-10T09:00+07:00",
                               "--end", "2026-03-10T12:00+07:00", "--lat", "19.9"])
    assert half.exit_code != 0 and "both --lat and --lon" in half.output
    next_year = runner.invoke(args=["activity", "add", "--title", "x", "--start", "2027-03-10T09:00+07:00",
                                    "--end", "2027-03-10T12:00+07:00"])
    assert next_year.exit_code != 0 and "FY2570 (the fiscal year of --start) has no plan in use" in next_year.output
    assert count_rows(bot, Activity) == 5  # only the default plan's activities
    assert re.search(r"code ([A-Z0-9]{6})$", runner.invoke(args=["activity", "add", "--title", "y", "--start",
                     "2026-03-10T09:00+07:00", "--end", "2026-03-10T12:00+07:00"]).output.strip())


def test_coordinator_records_an_activity_done_in_line(bot, line, register, runner):
    coordinator, staff = register("C01"), register("S01")
    code = add(runner)
    listing = line.say(staff, "กิจกรรม", at=START)
    assert "ทำบุญตักบาตรประจำเดือน" in text_of(listing) and f"รหัสเช็คอิน: {code}" in text_of(listing)
    assert not [p for p in postbacks_in(listing) if p.startswith("a=activity.done")]  # staff get no button
    with bot.db.sessions() as s:
        activity_id = s.scalar(sa.select(Activity.id).where(Activity.code == code))
    assert "เฉพาะผู้ประสานงาน" in text_of(line.tap(staff, f"a=activity.done&id={activity_id}", at=START))
    buttons = postbacks_in(line.say(coordinator, "กิจกรรม", at=START))
    assert f"a=activity.done&id={activity_id}" in buttons
    assert "ขั้นที่ 1/2" in text_of(line.tap(coordinator, f"a=activity.done&id={activity_id}", at=START))
    assert "ขั้นที่ 2/2" in text_of(line.say(coordinator, "ทำบุญร่วมกัน 25 คน", at=START))
    assert "ขึ้นต้นด้วย http" in text_of(line.say(coordinator, "ไม่มีลิงก์นะ", at=START))
    done = line.say(coordinator, "https://example.org/album/1", at=START + timedelta(minutes=10))
    assert "ดำเนินการแล้ว" in text_of(done)
    with bot.db.sessions() as s:
        stored = s.get(Activity, activity_id)
    assert stored.done_note == "ทำบุญร่วมกัน 25 คน" and stored.evidence_url == "https://example.org/album/1"
    assert stored.done_at == START + timedelta(minutes=10)
