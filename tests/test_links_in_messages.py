"""No link is shown as raw text when it is long or percent-encoded (issue 14, item 2).

Every test already has every message the fake LINE delivers read by `no_raw_links` (tests/conftest.py);
these tests check that scan itself, and walk the messages that carry links: the round-opening
invitation, the honours announcement, เว็บ and รายงาน. Their links are on buttons with short Thai labels.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

from bot import links
from bot import messages as ui
from models import nomination as nominations
from models.staff import by_code
from tests.conftest import READABLE_URL, nodes, raw_link_problems, text_of
from tests.support import uris_in

BKK = ZoneInfo("Asia/Bangkok")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BKK)
REASON = "ช่วยเหลือเพื่อนร่วมงานเสมอ และอาสาทำงานส่วนรวมโดยไม่ต้องร้องขอ"
ENCODED = links.nominate("@testoffice")  # 113 characters of %E0%B9%80%E0%B8%AA…


def link_buttons(messages: list[dict]) -> list[tuple[str, str]]:
    """(label, uri) of every URI action in these messages."""
    return [(node.get("label", ""), node["uri"]) for node in nodes(messages) if node.get("type") == "uri"]


def assert_links_on_buttons(messages: list[dict]) -> None:
    assert raw_link_problems(messages) == []
    for label, _ in link_buttons(messages):
        assert 1 <= len(label) <= ui.MAX_LINK_LABEL, label


# -- the scan --------------------------------------------------------------------------------------
def test_the_scan_finds_a_long_or_percent_encoded_link_wherever_it_is_read():
    assert len(ENCODED) > READABLE_URL and "%E0%B9%80" in ENCODED
    as_text = {"type": "text", "text": f"ส่งลิงก์นี้ในกลุ่ม\n{ENCODED}"}
    in_card = {"type": "flex", "altText": "ชวนเสนอชื่อ", "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "contents": [{"type": "text", "text": ENCODED}]}}}
    in_span = {"type": "flex", "altText": "ชวนเสนอชื่อ", "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "contents": [{"type": "text", "contents": [
            {"type": "span", "text": "ลิงก์: "}, {"type": "span", "text": ENCODED}]}]}}}
    in_alt = {"type": "flex", "altText": f"แตะ {ENCODED}", "contents": {"type": "bubble"}}
    short_but_encoded = {"type": "text", "text": "https://line.me/R/oaMessage/@testoffice/?ลงทะเบียน%20AB12"}
    long_ascii = {"type": "text", "text": "https://example.org/" + "a" * 100}
    bare = {"type": "text", "text": "%E0%B9%80%E0%B8%AA%E0%B8%99%E0%B8%AD"}
    for message in (as_text, in_card, in_span, in_alt, short_but_encoded, long_ascii, bare):
        assert raw_link_problems([message]), message


def test_the_scan_lets_short_readable_links_and_buttons_through():
    readable = {"type": "text", "text": "โพสต์ของสำนักงาน: https://www.facebook.com/example.office/posts/1 (ร้อยละ 50%)"}
    button = {"type": "flex", "altText": "ชวนเสนอชื่อ", "contents": {"type": "bubble", "footer": {
        "type": "box", "layout": "vertical", "contents": [ui.link_button("เสนอชื่อ", ENCODED)]}}}
    assert raw_link_problems([readable, button]) == []


def test_a_link_button_has_a_short_label():
    assert ui.link_button("แชร์เป็นข้อความ", ENCODED)["action"] == {"type": "uri", "label": "แชร์เป็นข้อความ",
                                                                   "uri": ENCODED}
    for label in ("", "แตะที่นี่เพื่อแชร์ประกาศไปยังกลุ่มของสำนักงาน"):
        try:
            ui.link_button(label, ENCODED)
        except ValueError:
            continue
        raise AssertionError(f"label {label!r} accepted")


# -- the messages that carry links -------------------------------------------------------------------
def test_the_round_opening_invitation_is_a_card_with_a_button(line, register):
    coordinator = register("C01")
    replies = line.say(coordinator, "เปิดเสนอชื่อ 31 มี.ค. 2569", at=T0)
    assert_links_on_buttons(replies)
    assert [m["type"] for m in replies] == ["text", "flex"]
    said = text_of(replies)
    assert "เปิดรับการเสนอชื่อแล้ว" in said and "ส่งต่อการ์ดด้านล่าง" in said and "https://" not in said
    # The card is what the group sees: the round, the virtues, until when, and one button.
    card = text_of(replies[1:])
    assert "เปิดรับถึงสิ้นวันที่ 31 มี.ค. 2569" in card and "จิตอาสา" in card
    assert link_buttons(replies) == [("เสนอชื่อ", links.nominate("@testoffice"))]


def test_the_honours_announcement_reads_well_and_shares_by_a_button(bot, line, register):
    coordinator = register("C01")
    line.say(coordinator, "เปิดเสนอชื่อ", at=T0)
    with bot.db.session() as db:
        round_ = nominations.open_round(db, T0)
        assert round_ is not None
        for nominator, nominee, virtue in (("S01", "S02", "จิตอาสา"), ("S03", "S04", "สุจริต")):
            nomination, _ = nominations.nominate(db, round_, by_code(db, nominator), nominations.PERSON, virtue,
                                                 REASON, T0, nominee=by_code(db, nominee))
            nominations.honour_nominee_of(db, nomination, T0, virtue=virtue, by=by_code(db, "C01"))
    replies = line.say(coordinator, "ประกาศยกย่อง", at=T0)
    assert_links_on_buttons(replies)
    assert [m["type"] for m in replies] == ["flex", "flex"]
    said = text_of(replies)
    assert "นางสมศรี รักดี" in said and "https://" not in said and "ส่งต่อการ์ดด้านบน" in said
    ((label, link),) = link_buttons(replies)
    assert label == "แชร์เป็นข้อความ" and link.startswith(links.SHARE)
    # What lands in the group when shared is the announcement as text, with no link in it.
    shared = parse_qs(urlparse(link).query)["text"][0]
    assert "🏅 นางสมศรี รักดี (อำเภอเมืองเชียงราย) ด้านจิตอาสา" in shared and "http" not in shared


def test_the_coordinators_web_and_report_links_are_buttons(line, register, this_year_plan):
    coordinator = register("C01")
    for word in ("เว็บ", "รายงาน"):
        replies = line.say(coordinator, word)
        assert_links_on_buttons(replies)
        assert uris_in(replies) and "http" not in text_of(replies), word
