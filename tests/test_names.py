"""Names as a Thai office says them (models/names.py): the roster's name is kept whole, the chat
speaks to the person by first name after คุณ (or their academic title), never "คุณนาย…"."""
from __future__ import annotations

import pytest

from models.names import address, first_name, without_title
from tests.conftest import add_people, invite_code, text_of


@pytest.mark.parametrize(("name", "said", "bare"), [
    ("นายวรวิทย์ ทองดี", "คุณวรวิทย์", "วรวิทย์ ทองดี"),
    ("นางสาวดวงใจ สดใส", "คุณดวงใจ", "ดวงใจ สดใส"),
    ("น.ส.ดวงใจ สดใส", "คุณดวงใจ", "ดวงใจ สดใส"),
    ("นางสมศรี รักดี", "คุณสมศรี", "สมศรี รักดี"),
    ("ว่าที่ร้อยตรีสมชาย ใจดี", "คุณสมชาย", "สมชาย ใจดี"),
    ("ว่าที่ ร.ต.หญิงสุดา ดีงาม", "คุณสุดา", "สุดา ดีงาม"),
    ("จ.ส.อ.ประยุทธ มั่นคง", "คุณประยุทธ", "ประยุทธ มั่นคง"),
    ("ดร.สุดา มีสุข", "ดร.สุดา", "สุดา มีสุข"),
    ("ผศ.ดร.กมล ใจงาม", "ผศ.ดร.กมล", "กมล ใจงาม"),
    ("  นาย   ธนา  ทองคำ ", "คุณธนา", "ธนา ทองคำ"),
    ("สมชาย", "คุณสมชาย", "สมชาย"),
    ("คุณแดง ดำดี", "คุณแดง", "แดง ดำดี"),
])
def test_titles_ranks_and_academic_titles(name, said, bare):
    assert address(name) == said and without_title(name) == bare and first_name(name) == bare.split()[0]


def test_the_chat_says_khun_and_the_first_name_and_keeps_the_full_name_where_it_identifies(bot, line):
    add_people(bot, [("S91", "นายวรวิทย์ ทองดี", "นักพัฒนาชุมชน", "อำเภอเมือง", "staff"),
                     ("C91", "ว่าที่ร้อยตรีสมชาย ใจดี", "นักวิชาการ", "กลุ่มงานประสานฯ", "coordinator")])
    welcome = text_of(line.say("U-worawit", f"ลงทะเบียน {invite_code(bot, 'S91')}"))
    assert "ลงทะเบียนเรียบร้อยแล้วค่ะ คุณวรวิทย์" in welcome and "นายวรวิทย์ ทองดี (นักพัฒนาชุมชน" in welcome
    assert "คุณนาย" not in welcome
    status = text_of(line.say("U-worawit", "สถานะ"))
    assert "สถานะของคุณวรวิทย์" in status and "นายวรวิทย์ ทองดี" in status and "คุณนาย" not in status
    line.say("U-somchai", f"ลงทะเบียน {invite_code(bot, 'C91')}")
    web = text_of(line.say("U-somchai", "เว็บ"))
    assert "คุณสมชาย" in web and "คุณว่าที่" not in web
    back = text_of(line.follow("U-worawit"))
    assert "ยินดีต้อนรับกลับค่ะ คุณวรวิทย์" in back
