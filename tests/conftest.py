"""Fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the fake LINE API
over real HTTP on a free port, the app, and `LineActions`, a LINE client that signs its events."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from bot import create_app
from bot.config import Settings
from bot.db import Database, upgrade
from bot.fakeline import FakeLine, FakeLineServer
from models import defaults, roster
from models import plan as plans
from models.all import Base

SECRET = "test-channel-secret"
TOKEN = "test-access-token"


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL') or 'SQLite (temporary file)'}"


# -- no raw link a person cannot use ------------------------------------------------------------------
READABLE_URL = 100  # characters: a link longer than this, shown as text, is a wall on a phone
_URL = re.compile(r"(?:https?|line)://\S+", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_SHOWN = {"text": ("text",), "span": ("text",), "message": ("text",), "postback": ("displayText", "text")}


def nodes(node: Any) -> Iterator[dict]:
    """Every JSON object in these messages (messages, cards, components, actions), parents first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


def shown_texts(messages: list[dict]) -> list[str]:
    """Every string of these messages that a person reads in the chat: a text message's text, a Flex
    message's altText and its text and span components, what a chip or button types or displays."""
    out: list[str] = []
    for node in nodes(messages):
        if isinstance(node.get("altText"), str):
            out.append(node["altText"])
        out.extend(node[key] for key in _SHOWN.get(node.get("type"), ()) if isinstance(node.get(key), str))
    return out


def raw_link_problems(messages: list[dict]) -> list[str]:
    """Links shown as text that no one can read: longer than READABLE_URL, or percent-encoded (a link
    belongs in a button's URI action, where its length and encoding do not show)."""
    problems = []
    for text in shown_texts(messages):
        for url in _URL.findall(text):
            if len(url) > READABLE_URL or _PERCENT.search(url):
                problems.append(f"{len(url)} characters: {url[:120]}{'…' if len(url) > 120 else ''}")
        if not _URL.search(text) and re.search(r"(?:%[0-9A-Fa-f]{2}){2,}", text):
            problems.append(f"percent-encoded text: {text[:120]}")
    return problems


@pytest.fixture(autouse=True)
def no_raw_links(monkeypatch):
    """Every message any fake LINE delivers in a test (reply, push, multicast; the tests' server and
    the sandbox's) is read for raw links: a test fails when one shows a long or percent-encoded link."""
    delivered: list[dict] = []
    deliver = FakeLine._deliver

    def recording(fake: FakeLine, kind: str, recipients: list[str], messages: list[dict]) -> None:
        delivered.extend(messages)
        deliver(fake, kind, recipients, messages)

    monkeypatch.setattr(FakeLine, "_deliver", recording)
    yield
    problems = raw_link_problems(delivered)
    if problems:
        pytest.fail("a message shows a raw link no one can use on a phone:\n" + "\n".join(problems[:10]),
                    pytrace=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from bot.config import normalize_database_url

        url = normalize_database_url(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def line_server():
    with FakeLineServer(FakeLine(access_token=TOKEN)) as server:
        yield server


@pytest.fixture
def line_api(line_server) -> FakeLine:
    line_server.fake.reset()
    line_server.fake.quota_limit = 300
    return line_server.fake


@pytest.fixture
def settings(database_url, line_server, tmp_path) -> Settings:
    return Settings(
        uploads_dir=tmp_path / "uploads",  # each test its own: files never meet another test's (or instance/)
        documents_dir=tmp_path / "documents",
        database_url=database_url,
        channel_secret=SECRET,
        access_token=TOKEN,
        line_api_host=line_server.url,
        bot_basic_id="@testoffice",
        line_backoff=0.01,
        line_timeout=2.0,
    )


def _empty_tables(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "audit_unlock"]
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: TRUNCATE of 40 nearly empty tables took 130-170 ms a test (it makes
            # new files for each table), DELETE a few ms. As replica the session fires no trigger (the
            # audit trail's refusal, the foreign keys' checks); then every sequence starts again at 1.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))
            conn.exec_driver_sql("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                 "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace")
        else:  # the audit trail's triggers let a wipe delete it (models/audit.py)
            conn.exec_driver_sql("INSERT INTO audit_unlock (id) VALUES (1)")
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")
            conn.exec_driver_sql("DELETE FROM audit_unlock")


@pytest.fixture
def app(settings, line_api):
    application = create_app(settings)
    bot = application.extensions["khunnatham"]
    _empty_tables(bot.db)
    with bot.db.session() as db:
        defaults.ensure(db)
    yield application
    bot.close()


@pytest.fixture
def bot(app):
    return app.extensions["khunnatham"]


@pytest.fixture
def this_year_plan(bot) -> int:
    """The seed's FY2569 plan rolled forward to the fiscal year of today, and in use: for tests of what
    happens now (1 Dec 2026 is in FY2570). Its id."""
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as session:
        plan = max(plans.every(session), key=lambda p: p.fiscal_year)
        while plan.fiscal_year < plans.fiscal_year_of(now.date()):
            plan = plans.next_year(session, plan, now)
            plans.activate(session, plan)
        return plan.id


@pytest.fixture
def db(bot):
    with bot.db.sessions() as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# -- LINE events ------------------------------------------------------------------------------------
def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event_id() -> str:
    """A ULID-shaped id as LINE sends (26 characters)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def millis(at: datetime | None) -> int:
    return int((at.timestamp() if at else time.time()) * 1000)


class LineActions:
    """What a person does in LINE, as signed webhook requests (modelled on flaskr's AuthActions)."""

    def __init__(self, client, fake: FakeLine, secret: str = SECRET):
        self.client = client
        self.fake = fake
        self.secret = secret

    def event(self, user_id: str, type_: str, at: datetime | None = None, reply: bool = True,
              **fields: Any) -> dict:
        event = {
            "type": type_,
            "mode": "active",
            "timestamp": millis(at),
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": event_id(),
            "deliveryContext": {"isRedelivery": False},
        }
        if reply:
            event["replyToken"] = self.fake.issue_reply_token(user_id)
        event.update(fields)
        return event

    def text_event(self, user_id: str, text: str, at: datetime | None = None) -> dict:
        return self.event(user_id, "message", at, message={
            "id": str(secrets.randbits(60)), "type": "text", "text": text, "quoteToken": secrets.token_hex(8)})

    def send_content(self, user_id: str, data: bytes, file_name: str = "", at: datetime | None = None) -> list[dict]:
        """Send a photo (no file name) or a file; the fake LINE serves its bytes from the content API."""
        message_id = str(secrets.randbits(60))
        with self.fake.lock:
            self.fake.contents[message_id] = data
        if file_name:
            message = {"id": message_id, "type": "file", "fileName": file_name, "fileSize": len(data)}
        else:
            message = {"id": message_id, "type": "image", "quoteToken": secrets.token_hex(8),
                       "contentProvider": {"type": "line"}}
        return self.send(self.event(user_id, "message", at, message=message))

    def postback_event(self, user_id: str, data: str, at: datetime | None = None) -> dict:
        return self.event(user_id, "postback", at, postback={"data": data})

    def post(self, events: list[dict], signature: str | None = None, body: bytes | None = None):
        if body is None:
            body = json.dumps({"destination": "Uffffffffffffffffffffffffffffffff", "events": events},
                              ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature != "":
            headers["X-Line-Signature"] = signature if signature is not None else sign(body, self.secret)
        return self.client.post("/callback", data=body, headers=headers)

    def send(self, event: dict) -> list[dict]:
        """Deliver one event; the messages the bot replied with."""
        before = len(self.fake.messages_for(event["source"]["userId"]))
        response = self.post([event])
        assert response.status_code == 200, response.data
        return self.fake.messages_for(event["source"]["userId"])[before:]

    def say(self, user_id: str, text: str, at: datetime | None = None) -> list[dict]:
        return self.send(self.text_event(user_id, text, at))

    def tap(self, user_id: str, data: str, at: datetime | None = None) -> list[dict]:
        return self.send(self.postback_event(user_id, data, at))

    def follow(self, user_id: str, at: datetime | None = None) -> list[dict]:
        return self.send(self.event(user_id, "follow", at, follow={"isUnblocked": False}))


@pytest.fixture
def line(client, line_api) -> LineActions:
    return LineActions(client, line_api)


def text_of(messages: list[dict]) -> str:
    """All the text a person sees in these messages (Flex included), joined by newlines."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "altText", "label"):
                if isinstance(node.get(key), str):
                    out.append(node[key])
            for key, value in node.items():
                if key not in ("text", "altText", "label"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(messages)
    return "\n".join(out)


def actions_in(messages: list[dict], type_: str, key: str) -> list[str]:
    """The `key` of every action of this type in these messages (buttons, chips, cards), in order."""
    return [node[key] for node in nodes(messages) if node.get("type") == type_ and key in node]


def postbacks_in(messages: list[dict]) -> list[str]:
    return actions_in(messages, "postback", "data")


# -- people ---------------------------------------------------------------------------------------
ROSTER_HEADER = "code,name,position,unit,role\n"


def add_people(bot, rows: list[tuple[str, str, str, str, str]]) -> None:
    """Put people on the roster the way `roster import` does."""
    with bot.db.session() as session:
        roster.apply(session, [roster.RosterRow(i + 2, *row) for i, row in enumerate(rows)])


@pytest.fixture
def office(bot):
    """A small office: 2 units, a coordinator, an executive and 4 staff (nobody registered yet)."""
    add_people(bot, [
        ("C01", "นางสาวกมลา ประสานงาน", "นักวิชาการพัฒนาชุมชนชำนาญการ", "กลุ่มงานประสานฯ", "coordinator"),
        ("E01", "นายบุญมี ผู้อำนวยการ", "พัฒนาการจังหวัด", "กลุ่มงานประสานฯ", "executive"),
        ("S01", "นายสมชาย ใจดี", "นักวิชาการพัฒนาชุมชน", "กลุ่มงานประสานฯ", "staff"),
        ("S02", "นางสมศรี รักดี", "เจ้าพนักงานธุรการ", "อำเภอเมืองเชียงราย", "staff"),
        ("S03", "นายวิชัย มั่นคง", "นักพัฒนาชุมชน", "อำเภอเมืองเชียงราย", "staff"),
        ("S04", "นางสาวดวงใจ สดใส", "นักพัฒนาชุมชน", "อำเภอเมืองเชียงราย", "staff"),
    ])
    return bot


def invite_code(bot, code: str) -> str:
    from models.staff import by_code

    with bot.db.sessions() as session:
        return by_code(session, code).invite_code


@pytest.fixture
def register(office, line):
    """register("S01") → the LINE user id now linked to person S01."""

    def _register(code: str, user_id: str | None = None) -> str:
        user_id = user_id or "U" + hashlib.md5(code.encode()).hexdigest()
        replies = line.say(user_id, f"ลงทะเบียน {invite_code(office, code)}")
        assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(replies)
        return user_id

    return _register


class LiveServer:
    """The app served over real HTTP (threaded), for concurrency tests."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def post_concurrently(url: str, bodies: list[bytes]) -> list[int]:
    """POST each signed body to url/callback from its own thread, all released at once; the statuses."""
    import urllib.request

    statuses: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def post(body: bytes) -> None:
        request = urllib.request.Request(url + "/callback", data=body, method="POST", headers={
            "Content-Type": "application/json", "X-Line-Signature": sign(body)})
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def payload(*events: dict) -> bytes:
    return json.dumps({"destination": "U1", "events": list(events)}, ensure_ascii=False).encode()


@pytest.fixture
def live_app(app):
    server = LiveServer(app)
    yield server
    server.stop()


def count_rows(bot, model) -> int:
    with bot.db.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


ROOT = Path(__file__).resolve().parent.parent
