"""Cards never cut a number and cut names only between words (issue 14 item 3): in every horizontal
row of the cards the bot sends, a text with a figure in it takes the width it needs (flex 0) or wraps;
shortened Thai names end on a word boundary."""
from __future__ import annotations

import re

import pytest

from bot import thai
from tests.conftest import add_people, text_of

FIGURE = re.compile(r"\d")


def rows(node, found=None) -> list[list[dict]]:
    """The contents of every horizontal box in a Flex tree."""
    found = [] if found is None else found
    if isinstance(node, dict):
        if node.get("type") == "box" and node.get("layout") == "horizontal":
            found.append(node.get("contents", []))
        for value in node.values():
            rows(value, found)
    elif isinstance(node, list):
        for value in node:
            rows(value, found)
    return found


def cut_figures(messages: list[dict]) -> list[str]:
    """Texts with a figure that LINE could cut: in a horizontal row, neither flex 0 nor wrapping."""
    return [item["text"] for m in messages for row in rows(m.get("contents")) for item in row
            if item.get("type") == "text" and FIGURE.search(item.get("text", ""))
            and item.get("flex", 1) != 0 and not item.get("wrap")]


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("สำนักงานพัฒนาชุมชนอำเภอเมืองเชียงราย", 20, "สำนักงานพัฒนาชุมชน…"),
    ("ประชุมเชิงปฏิบัติการจัดทำแผนการขับเคลื่อนองค์กรคุณธรรม", 38, "ประชุมเชิงปฏิบัติการจัดทำแผนการ…"),
    ("กิจกรรมจิตอาสา", 20, "กิจกรรมจิตอาสา"),
])
def test_shortened_thai_ends_between_words(text, limit, expected):
    assert thai.shorten(text, limit) == expected and len(expected) <= limit


def test_the_summary_and_the_status_show_every_figure_whole(bot, line, register, runner, this_year_plan):
    add_people(bot, [(f"L{i:02d}", f"นางสาวทดสอบ ยาวมาก{i}", "นักพัฒนาชุมชน",
                      "สำนักงานพัฒนาชุมชนอำเภอเวียงป่าเป้าและอำเภอแม่สรวยรวมกัน", "staff") for i in range(30)])
    coordinator, staff = register("C01"), register("S01")
    summary = line.say(coordinator, "สรุป")
    assert "ทั้งสำนักงาน" in text_of(summary) and cut_figures(summary) == []
    status = line.say(staff, "สถานะ")
    assert cut_figures(status) == [] and "ตัวชี้วัด" not in text_of(status)  # staff see staff words
