"""Every handler test also checks how the bot's replies read (tests/handlers/replies.py)."""
from __future__ import annotations

import pytest

from tests.handlers import replies


@pytest.fixture(autouse=True)
def replies_read_well(line_api):
    """After the test: no message the bot sent doubles a polite particle or nests quotation marks."""
    yield
    with line_api.lock:
        sent = [s.message for kept in line_api.sent.values() for s in kept if s.kind != "user"]
    found = replies.check(sent)
    assert not found, "replies that read badly:\n" + "\n".join(dict.fromkeys(found))
