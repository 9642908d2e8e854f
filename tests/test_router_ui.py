"""The router's rules and the Thai formatting helpers."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import messages as ui
from bot import thai
from bot.config import Settings
from bot.router import Context, Router, UnknownStep, load_draft
from handlers import register_all, texts
from handlers.nomination import NominationDraft
from handlers.proposal import ProposalDraft


def test_duplicate_word_or_action_is_an_error():
    router = Router()
    router.text(("ปฏิญญา",), lambda ctx: [])
    with pytest.raises(ValueError):
        router.text(("ปฏิญญา",), lambda ctx: [])
    router.postback("x.y", lambda ctx: [])
    with pytest.raises(ValueError):
        router.postback("x.y", lambda ctx: [])


def test_every_capability_registers_without_clashes():
    router = register_all(Router())
    assert {"ลงทะเบียน", "ปฏิญญา", "สถานะ", "สรุป", "ช่วยเหลือ"} <= set(router.words)


def test_text_matching_takes_arguments_with_or_without_a_space():
    router = register_all(Router())
    route, args = router.match_text("ลงทะเบียน  abcd 1234")
    assert route.fn.__name__ == "link" and args == "abcd 1234"
    route, args = router.match_text("ลงทะเบียนABCD1234")
    assert args == "ABCD1234"
    assert router.match_text("registered") is None  # English words need a word boundary
    assert router.match_text("สวัสดี") is None


def test_thai_dates():
    assert thai.thai_date(date(2026, 2, 27)) == "27 ก.พ. 2569"
    assert thai.thai_date(date(2026, 2, 27), thai_digits=True) == "๒๗ ก.พ. ๒๕๖๙"
    at = datetime(2025, 12, 31, 23, 59, tzinfo=ZoneInfo("Asia/Bangkok"))
    assert thai.thai_datetime(at) == "31 ธ.ค. 2568 เวลา 23:59 น."


def test_percent_and_long_text_splitting():
    assert thai.percent(72.5) == "72.5" and thai.percent(100.0) == "100" and thai.percent(16.67) == "16.7"
    messages = ui.texts([f"บรรทัดที่ {i} " + "ก" * 80 for i in range(300)])
    assert 1 < len(messages) <= 5
    assert all(len(m.text) <= 5000 for m in messages)


def test_postback_data_is_bounded():
    with pytest.raises(ValueError):
        ui.postback_data("x", v="ก" * 300)


# -- conversations are declared, and their moves are checked ---------------------------------------
def test_a_step_must_be_declared_to_be_routed_or_entered():
    router = register_all(Router())
    with pytest.raises(UnknownStep):
        router.step("proposal", "summary", lambda ctx, text: [])  # the flow declares no such step
    with pytest.raises(UnknownStep):
        router.step("no-such-flow", "text", lambda ctx, text: [])
    ctx = Context(db=None, settings=Settings(), now=datetime.now(ZoneInfo("Asia/Bangkok")),
                  user_id="U" + "1" * 32, staff=None, router=router)
    with pytest.raises(UnknownStep):
        ctx.begin("nomination", "whoo", NominationDraft())  # a misspelt step, before anything is stored
    with pytest.raises(TypeError):
        ctx.begin("nomination", "who", ProposalDraft())  # another flow's draft


def test_a_declared_step_without_a_handler_is_an_error():
    router = Router()
    router.flow("survey", "แบบสอบถาม", steps=("first", "second"))
    router.step("survey", "first", lambda ctx, text: [])
    router.notices(texts.NOTICES)
    with pytest.raises(ValueError, match="survey/second"):
        router.check()


def test_drafts_come_back_as_their_dataclass():
    stored = {"round": 3, "kind": "person", "choices": [7, 9], "done": ["วินัย"], "from_an_older_version": 1}
    draft = load_draft(NominationDraft, stored)
    assert draft == NominationDraft(round=3, kind="person", choices=(7, 9), done=("วินัย",))


def test_sub_commands_are_rows_of_their_own():
    router = register_all(Router())
    for typed in ("สรุป รายชื่อ", "สรุปรายชื่อ", "summary  list", "สรุป ทั้งหมด"):
        route, args = router.match_text(typed)
        assert route.fn.__name__ == "pending_list" and args == "", typed
    route, args = router.match_text("สรุป รายชื่อ ทั้งหมด")  # not the sub-command: the summary, with its words
    assert route.fn.__name__ == "summary" and args == "รายชื่อ ทั้งหมด"
    assert router.match_text("ความดี ดู")[0].fn.__name__ == "mine"
    assert router.match_text("สรุปเสนอชื่อ ทั้งหมด")[0].fn.__name__ == "tally_all"
    assert router.match_text("สรุป เสนอชื่อ")[0].fn.__name__ == "tally"
