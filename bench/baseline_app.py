"""The benchmark's baseline: line-bot-sdk v3's canonical echo bot plus ONE SQLite insert per event.

This is the SDK README's Flask example (WebhookHandler, `@handler.add(MessageEvent,
message=TextMessageContent)`, a new ApiClient per reply) with a single `INSERT` of the event id
into a SQLite file in WAL mode. bench/run.py serves it with the Procfile's gunicorn settings:

    gunicorn ... "bench.baseline_app:app"      # from the project root

Environment: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_HOST (the fake LINE API),
BASELINE_DB (the SQLite file; created when missing).

The SQLite settings match what the bot itself uses (bot/db.py): WAL, synchronous=NORMAL and a
10 s busy timeout, one connection per thread, so the comparison is not skewed by fsyncs or by
opening a connection per event.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent

DB_PATH = os.environ.get("BASELINE_DB", "baseline.sqlite")

app = Flask(__name__)
configuration = Configuration(
    host=os.environ.get("LINE_API_HOST", "https://api.line.me"),
    access_token=os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
)
handler = WebhookHandler(os.environ.get("LINE_CHANNEL_SECRET", ""))

_local = threading.local()


def _connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def db() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = _connect()
    return conn


_setup = _connect()
_setup.execute(
    "CREATE TABLE IF NOT EXISTS events ("
    " id INTEGER PRIMARY KEY, webhook_event_id TEXT NOT NULL, user_id TEXT, received_at REAL NOT NULL)"
)
_setup.close()


@app.route("/callback", methods=["POST"])
def callback():
    signature = request.headers["X-Line-Signature"]
    body = request.get_data(as_text=True)
    app.logger.debug("Request body: %s", body)
    try:
        handler.handle(body, signature)
    except InvalidSignatureError:
        app.logger.info("Invalid signature. Please check your channel access token/channel secret.")
        abort(400)
    return "OK"


@app.get("/healthz")
def healthz():
    db().execute("SELECT 1")
    return {"status": "ok"}


@handler.add(MessageEvent, message=TextMessageContent)
def handle_message(event: MessageEvent):
    db().execute(
        "INSERT INTO events (webhook_event_id, user_id, received_at) VALUES (?, ?, ?)",
        (event.webhook_event_id, event.source.user_id, time.time()),
    )
    with ApiClient(configuration) as api_client:
        line_bot_api = MessagingApi(api_client)
        line_bot_api.reply_message_with_http_info(
            ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)])
        )
