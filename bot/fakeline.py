"""A fake LINE Messaging API, served over real HTTP: the tests, the benchmark and the sandbox use it.

It records every request, validates bodies with line-bot-sdk's own models plus LINE's documented
limits, answers with LINE-shaped JSON and an `x-line-request-id`, enforces single-use reply tokens
and `X-Line-Retry-Key` (409 for a key it already accepted), keeps the monthly quota, and can be told
to fail: `fail_next("/v2/bot/message/push", 500, times=2)`.

    python -m bot.fakeline --port 8901     # standalone, for the benchmark

Standalone it is served by gunicorn (one worker process, threads) with HTTP/1.1 keep-alive, as LINE's
own API keeps connections open: werkzeug's server, which the tests use, closes every connection
after one answer, so a client that pools connections would open a new one for each call anyway.
"""
from __future__ import annotations

import argparse
import io
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Flask, Response, g, has_request_context, jsonify, request
from gunicorn.app.base import BaseApplication
from linebot.v3.messaging import MulticastRequest, PushMessageRequest, ReplyMessageRequest, RichMenuRequest
from werkzeug.serving import make_server

from bot.serving import freeze_loaded

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
MULTICAST = "/v2/bot/message/multicast"
QUOTA = "/v2/bot/message/quota"
CONSUMPTION = "/v2/bot/message/quota/consumption"
RICH_MENU = "/v2/bot/richmenu"
RICH_MENU_LIST = "/v2/bot/richmenu/list"
DEFAULT_RICH_MENU = "/v2/bot/user/all/richmenu"
USER_RICH_MENU = "/v2/bot/user/<user_id>/richmenu"  # (the static "all" above wins over <user_id>)
LOGIN_AUTHORIZE = "/oauth2/v2.1/authorize"
LOGIN_TOKEN = "/oauth2/v2.1/token"
LOGIN_PATHS = ("/oauth2/",)

MAX_BUBBLE_BYTES = 30_000
MAX_CAROUSEL_BYTES = 50_000


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    at: float = field(default_factory=time.time)
    request_id: str = ""  # the x-line-request-id it was answered with


def _request_id() -> str:
    """The `x-line-request-id` of the request being answered: one per request, as LINE's."""
    if not has_request_context():
        return ""
    if "line_request_id" not in g:
        g.line_request_id = str(uuid.uuid4())
    return g.line_request_id


@dataclass
class Sent:
    """One message as a user would receive it."""

    kind: str  # reply / push / multicast, or "user" for what the user sent
    to: str
    message: dict
    at: float = field(default_factory=time.time)


class LimitError(ValueError):
    pass


def _check_limits(messages: list[dict]) -> None:
    """The limits LINE enforces that the SDK's models do not."""
    if not 1 <= len(messages) <= 5:
        raise LimitError(f"messages: {len(messages)} given, 1 to 5 allowed")
    for i, m in enumerate(messages):
        quick = (m.get("quickReply") or {}).get("items") or []
        if len(quick) > 13:
            raise LimitError(f"messages[{i}].quickReply.items: {len(quick)} given, at most 13")
        if m.get("type") == "text" and not 1 <= len(m.get("text", "")) <= 5000:
            raise LimitError(f"messages[{i}].text: must be 1 to 5000 characters")
        if m.get("type") == "flex":
            if not 1 <= len(m.get("altText", "")) <= 1500:
                raise LimitError(f"messages[{i}].altText: must be 1 to 1500 characters")
            contents = m.get("contents") or {}
            size = len(json.dumps(contents, ensure_ascii=False).encode("utf-8"))
            limit = MAX_CAROUSEL_BYTES if contents.get("type") == "carousel" else MAX_BUBBLE_BYTES
            if size > limit:
                raise LimitError(f"messages[{i}].contents: {size} bytes, at most {limit}")
            if contents.get("type") == "carousel" and len(contents.get("contents", [])) > 12:
                raise LimitError(f"messages[{i}].contents: more than 12 bubbles")
        for data in _postback_data(m):
            if len(data) > 300:
                raise LimitError(f"messages[{i}]: postback data of {len(data)} characters, at most 300")


def _postback_data(node: Any):
    if isinstance(node, dict):
        if node.get("type") == "postback" and "data" in node:
            yield node["data"]
        for value in node.values():
            yield from _postback_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from _postback_data(value)


class FakeLine:
    """State of the fake platform. Thread-safe."""

    def __init__(self, access_token: str | None = None):
        self.access_token = access_token
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.sent: dict[str, list[Sent]] = defaultdict(list)
        self.reply_tokens: dict[str, str | None] = {}  # issued token → user id (None once used)
        self.used_tokens: set[str] = set()
        self.retry_keys: set[str] = set()
        self.failures: dict[str, deque[tuple[int, float]]] = defaultdict(deque)
        self.quota_limit: int | None = 300
        self.quota_used = 0
        self.record_requests = True
        self.rich_menus: dict[str, dict] = {}  # id → the RichMenuResponse JSON
        self.rich_menu_images: dict[str, tuple[str, bytes]] = {}  # id → (content type, bytes)
        self.default_rich_menu: str | None = None
        self.user_rich_menus: dict[str, str] = {}  # user id → the menu linked to that user
        self.contents: dict[str, bytes] = {}  # message id → what a user sent (image, file): GET …/content
        # LINE Login (the console's "sign in with LINE"): the login channel, who signs in next, the
        # codes handed out, and a way to break the ID token for a test.
        self.login_channel: tuple[str, str] | None = None  # (channel id, channel secret)
        self.login_user: str | None = None  # the LINE user id the next authorization signs in
        self.login_codes: dict[str, dict[str, str]] = {}
        self.login_token_changes: dict[str, Any] = {}  # claims to override in the next ID tokens
        self.blocked: set[str] = set()  # users who blocked the account: LINE delivers them nothing

    # -- test controls --------------------------------------------------------------------------
    def issue_reply_token(self, user_id: str) -> str:
        token = uuid.uuid4().hex
        with self.lock:
            self.reply_tokens[token] = user_id
        return token

    def block(self, user_id: str) -> None:
        """The user blocks the account (unfollow): from now on replies and pushes to them are accepted
        and dropped, and not counted against the quota, until `unblock` (they add it again)."""
        with self.lock:
            self.blocked.add(user_id)

    def unblock(self, user_id: str) -> None:
        with self.lock:
            self.blocked.discard(user_id)

    def is_blocked(self, user_id: str) -> bool:
        with self.lock:
            return user_id in self.blocked

    def fail_next(self, path: str, status: int, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` calls to `path` answer `status` (0: hang for `delay` s, then answer 500)."""
        with self.lock:
            for _ in range(times):
                self.failures[path].append((status, delay))

    def messages_for(self, user_id: str) -> list[dict]:
        """What the bot sent to this user (reply, push and multicast), oldest first."""
        with self.lock:
            return [s.message for s in self.sent.get(user_id, []) if s.kind != "user"]

    def user_said(self, user_id: str, message: dict) -> None:
        """Note what the user typed or tapped, so a chat transcript can show both sides."""
        with self.lock:
            self.sent[user_id].append(Sent("user", user_id, message))

    def transcript(self, user_id: str, after: int = 0) -> list[dict]:
        """Both sides of the chat, numbered from 1: [{seq, kind, message, at}] with seq > after."""
        with self.lock:
            return [{"seq": i, "kind": s.kind, "message": s.message, "at": s.at}
                    for i, s in enumerate(self.sent.get(user_id, []), start=1) if i > after]

    def forget(self, user_id: str | None = None) -> None:
        with self.lock:
            if user_id is None:
                self.sent.clear()
            else:
                self.sent.pop(user_id, None)

    def calls(self, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.sent.clear()
            self.reply_tokens.clear()
            self.used_tokens.clear()
            self.retry_keys.clear()
            self.failures.clear()
            self.quota_used = 0
            self.rich_menus.clear()
            self.rich_menu_images.clear()
            self.default_rich_menu = None
            self.user_rich_menus.clear()
            self.contents.clear()
            self.login_user = None
            self.login_codes.clear()
            self.login_token_changes.clear()
            self.blocked.clear()

    # -- serving --------------------------------------------------------------------------------
    def app(self) -> Flask:
        fake = self
        app = Flask("fakeline")

        def answer(payload: Any, status: int = 200) -> Response:
            response = jsonify(payload)
            response.status_code = status
            return response

        @app.after_request
        def request_id(response: Response) -> Response:
            response.headers["x-line-request-id"] = _request_id()  # every answer, content and errors too
            return response

        @app.before_request
        def check():
            failure = None
            with fake.lock:
                queue = fake.failures.get(request.path)
                if queue:
                    failure = queue.popleft()
            body = request.get_json(silent=True)
            if failure is not None:
                status, delay = failure
                fake._record(request, body, status or 500)
                if delay:
                    time.sleep(delay)
                return answer({"message": "injected failure"}, status or 500)
            if request.path.startswith(LOGIN_PATHS):  # LINE Login authenticates with the channel's credentials
                return None
            if fake.access_token and request.headers.get("Authorization") != f"Bearer {fake.access_token}":
                fake._record(request, body, 401)
                return answer({"message": "Authentication failed. Confirm that the access token in the "
                                          "authorization header is valid."}, 401)
            return None

        @app.post(REPLY)
        def reply():
            body = request.get_json(silent=True) or {}
            error = fake._validate(ReplyMessageRequest, body)
            token = body.get("replyToken", "")
            with fake.lock:
                if error is None and token in fake.used_tokens:
                    error = "Invalid reply token"
                if error is not None:
                    fake._record(request, body, 400)
                    return answer({"message": error}, 400)
                fake.used_tokens.add(token)
                user = fake.reply_tokens.pop(token, None) or "unknown"
                fake._record(request, body, 200)
                fake._deliver("reply", [user], body["messages"])
            return answer({"sentMessages": [{"id": uuid.uuid4().hex} for _ in body["messages"]]})

        def billed(model, recipients_of):
            body = request.get_json(silent=True) or {}
            error = fake._validate(model, body)
            key = request.headers.get("X-Line-Retry-Key")
            if error is None and key is not None:
                try:
                    uuid.UUID(key)
                except ValueError:
                    error = "The value for the 'X-Line-Retry-Key' header is invalid"
            with fake.lock:
                if error is not None:
                    fake._record(request, body, 400)
                    return answer({"message": error}, 400)
                if key is not None and key in fake.retry_keys:
                    fake._record(request, body, 409)
                    return answer({"message": "The retry key is already accepted"}, 409)
                recipients = [user for user in recipients_of(body) if user not in fake.blocked]
                if fake.quota_limit is not None and fake.quota_used + len(recipients) > fake.quota_limit:
                    fake._record(request, body, 429)
                    return answer({"message": "You have reached your monthly limit."}, 429)
                if key is not None:
                    fake.retry_keys.add(key)
                fake.quota_used += len(recipients)
                fake._record(request, body, 200)
                fake._deliver(request.path.rsplit("/", 1)[-1], recipients, body["messages"])
            return answer({"sentMessages": [{"id": uuid.uuid4().hex} for _ in body["messages"]]})

        @app.post(PUSH)
        def push():
            return billed(PushMessageRequest, lambda b: [b["to"]])

        @app.post(MULTICAST)
        def multicast():
            return billed(MulticastRequest, lambda b: list(dict.fromkeys(b["to"])))

        @app.get(QUOTA)
        def quota():
            fake._record(request, None, 200)
            if fake.quota_limit is None:
                return answer({"type": "none"})
            return answer({"type": "limited", "value": fake.quota_limit})

        @app.get(CONSUMPTION)
        def consumption():
            fake._record(request, None, 200)
            return answer({"totalUsage": fake.quota_used})

        @app.get("/v2/bot/message/<message_id>/content")
        def message_content(message_id: str):
            with fake.lock:
                data = fake.contents.get(message_id)
            if data is None:
                fake._record(request, None, 404)
                return answer({"message": "Not found"}, 404)
            fake._record(request, None, 200)
            kind = "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png" if data[:4] == b"\x89PNG" else \
                "application/octet-stream"
            return Response(data, 200, mimetype=kind)

        @app.get("/v2/bot/profile/<user_id>")
        def profile(user_id: str):
            fake._record(request, None, 200)
            return answer({"userId": user_id, "displayName": f"ผู้ใช้ {user_id[-4:]}", "language": "th"})

        # -- rich menus --------------------------------------------------------------------------
        def no_menu(body: Any = None) -> Response:
            fake._record(request, body, 404)
            return answer({"message": "richmenu not found"}, 404)

        @app.post(RICH_MENU)
        def create_rich_menu():
            body = request.get_json(silent=True)
            error = _rich_menu_error(body)
            if error is not None:
                fake._record(request, body, 400)
                return answer({"message": error}, 400)
            menu_id = f"richmenu-{uuid.uuid4().hex}"
            with fake.lock:
                fake.rich_menus[menu_id] = {"richMenuId": menu_id, **RichMenuRequest.from_dict(body).to_dict()}
                fake._record(request, body, 200)
            return answer({"richMenuId": menu_id})

        @app.post(f"{RICH_MENU}/<menu_id>/content")
        def upload_rich_menu_image(menu_id: str):
            content_type = (request.content_type or "").split(";")[0].strip().lower()
            data = request.get_data()
            summary = {"contentType": content_type, "bytes": len(data)}
            with fake.lock:
                menu = fake.rich_menus.get(menu_id)
                if menu is None:
                    return no_menu(summary)
                error = _rich_menu_image_error(content_type, data, menu["size"])
                if error is None and menu_id in fake.rich_menu_images:
                    error = "An image has already been uploaded to the richmenu"
                if error is not None:
                    fake._record(request, summary, 400)
                    return answer({"message": error}, 400)
                fake.rich_menu_images[menu_id] = (content_type, data)
                fake._record(request, summary, 200)
            return answer({})

        def not_applicable(menu_id: str) -> Response | None:
            """LINE's answer when a menu cannot be shown to anyone: unknown, or without its image."""
            if menu_id not in fake.rich_menus:
                return no_menu()
            if menu_id not in fake.rich_menu_images:
                fake._record(request, None, 400)
                return answer({"message": "must upload richmenu image before applying it to user"}, 400)
            return None

        @app.post(f"{DEFAULT_RICH_MENU}/<menu_id>")
        def set_default_rich_menu(menu_id: str):
            with fake.lock:
                refused = not_applicable(menu_id)
                if refused is not None:
                    return refused
                fake.default_rich_menu = menu_id
                fake._record(request, None, 200)
            return answer({})

        @app.get(DEFAULT_RICH_MENU)
        def get_default_rich_menu():
            with fake.lock:
                if fake.default_rich_menu is None:
                    fake._record(request, None, 404)
                    return answer({"message": "no default richmenu"}, 404)
                fake._record(request, None, 200)
                return answer({"richMenuId": fake.default_rich_menu})

        @app.get(RICH_MENU_LIST)
        def list_rich_menus():
            with fake.lock:
                fake._record(request, None, 200)
                return answer({"richmenus": list(fake.rich_menus.values())})

        @app.get(f"{RICH_MENU}/<menu_id>")
        def get_rich_menu(menu_id: str):
            with fake.lock:
                if menu_id not in fake.rich_menus:
                    return no_menu()
                fake._record(request, None, 200)
                return answer(fake.rich_menus[menu_id])

        @app.delete(f"{RICH_MENU}/<menu_id>")
        def delete_rich_menu(menu_id: str):
            with fake.lock:
                if fake.rich_menus.pop(menu_id, None) is None:
                    return no_menu()
                fake.rich_menu_images.pop(menu_id, None)
                if fake.default_rich_menu == menu_id:
                    fake.default_rich_menu = None
                for user in [u for u, linked in fake.user_rich_menus.items() if linked == menu_id]:
                    del fake.user_rich_menus[user]  # LINE unlinks a deleted menu's users
                fake._record(request, None, 200)
            return answer({})

        @app.post(f"{USER_RICH_MENU}/<menu_id>")
        def link_rich_menu(user_id: str, menu_id: str):
            with fake.lock:
                refused = not_applicable(menu_id)
                if refused is not None:
                    return refused
                fake.user_rich_menus[user_id] = menu_id
                fake._record(request, None, 200)
            return answer({})

        @app.delete(USER_RICH_MENU)
        def unlink_rich_menu(user_id: str):
            with fake.lock:
                fake.user_rich_menus.pop(user_id, None)
                fake._record(request, None, 200)
            return answer({})

        @app.get(USER_RICH_MENU)
        def rich_menu_of_user(user_id: str):
            with fake.lock:
                menu_id = fake.user_rich_menus.get(user_id)
                if menu_id is None:
                    return no_menu()
                fake._record(request, None, 200)
            return answer({"richMenuId": menu_id})

        @app.get(LOGIN_AUTHORIZE)
        def login_authorize():
            """LINE's authorization page, with the person already agreeing: back to redirect_uri with a
            code (or error=access_denied when no login_user is set)."""
            args = request.args
            fake._record(request, dict(args), 302)
            target = args.get("redirect_uri", "")
            query = {"state": args.get("state", "")}
            with fake.lock:
                channel = fake.login_channel
                if fake.login_user is None or channel is None or args.get("client_id") != channel[0]:
                    query["error"] = "access_denied"
                else:
                    code = uuid.uuid4().hex
                    fake.login_codes[code] = {"user": fake.login_user, "nonce": args.get("nonce", ""),
                                              "redirect_uri": target}
                    query["code"] = code
            return Response(status=302, headers={"Location": f"{target}?{urlencode(query)}"})

        @app.post(LOGIN_TOKEN)
        def login_token():
            form = request.form
            with fake.lock:
                channel = fake.login_channel
                issued = fake.login_codes.pop(form.get("code", ""), None)
                changes = dict(fake.login_token_changes)
            if (channel is None or form.get("client_id") != channel[0] or form.get("client_secret") != channel[1]
                    or form.get("grant_type") != "authorization_code"):
                fake._record(request, dict(form), 400)
                return answer({"error": "invalid_client"}, 400)
            if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
                fake._record(request, dict(form), 400)
                return answer({"error": "invalid_grant"}, 400)
            now = int(time.time())
            claims = {"iss": "https://access.line.me", "sub": issued["user"], "aud": channel[0], "exp": now + 3600,
                      "iat": now, "nonce": issued["nonce"], "name": "LINE user", "amr": ["pwd"]}
            claims.update(changes)
            secret = str(changes.pop("_secret", channel[1]))
            claims.pop("_secret", None)
            fake._record(request, {"grant_type": form.get("grant_type")}, 200)
            return answer({"access_token": uuid.uuid4().hex, "token_type": "Bearer", "expires_in": 2592000,
                           "refresh_token": uuid.uuid4().hex, "scope": "openid profile",
                           "id_token": jwt.encode(claims, secret, algorithm="HS256")})

        @app.errorhandler(404)
        def not_found(_exc):
            fake._record(request, request.get_json(silent=True), 404)
            return answer({"message": "Not found"}, 404)

        return app

    # -- internals ------------------------------------------------------------------------------
    def _validate(self, model, body: dict) -> str | None:
        try:
            if not isinstance(body, dict):
                return "The request body has 1 error(s): body is not a JSON object"
            model.from_dict(body)
            if model is MulticastRequest and not 1 <= len(body.get("to", [])) <= 500:
                raise LimitError("to: 1 to 500 user ids allowed")
            _check_limits(body.get("messages") or [])
        except Exception as exc:  # pydantic's ValidationError, our LimitError, a TypeError on odd shapes
            return f"The request body has 1 error(s): {str(exc)[:400]}"
        return None

    def _record(self, req, body: Any, status: int) -> None:
        if not self.record_requests:
            return
        with self.lock:
            self.requests.append(Recorded(req.method, req.path, dict(req.headers), body, status,
                                          request_id=_request_id()))

    def _deliver(self, kind: str, recipients: list[str], messages: list[dict]) -> None:
        if not self.record_requests:
            return
        for user in recipients:
            if user not in self.blocked:
                self.sent[user].extend(Sent(kind, user, m) for m in messages)


MAX_RICH_MENU_IMAGE_BYTES = 1024 * 1024


def _rich_menu_error(body: Any) -> str | None:
    """What LINE would say about a rich menu, beyond the SDK's model (which makes every field optional)."""
    try:
        if not isinstance(body, dict):
            raise LimitError("body is not a JSON object")
        RichMenuRequest.from_dict(body)
        for key in ("size", "selected", "name", "chatBarText", "areas"):
            if key not in body:
                raise LimitError(f"{key}: required")
        width, height = body["size"]["width"], body["size"]["height"]
        if not 800 <= width <= 2500 or height < 250 or width / height < 1.45:
            raise LimitError("size: width 800 to 2500, height 250 or more, width/height at least 1.45")
        if not 1 <= len(body["name"]) <= 300 or not 1 <= len(body["chatBarText"]) <= 14:
            raise LimitError("name: 1 to 300 characters; chatBarText: 1 to 14 characters")
        if len(body["areas"]) > 20:
            raise LimitError(f"areas: {len(body['areas'])} given, at most 20")
        for i, area in enumerate(body["areas"]):
            b, action = area.get("bounds") or {}, area.get("action") or {}
            if not {"x", "y", "width", "height"} <= b.keys() or b["x"] + b["width"] > width \
                    or b["y"] + b["height"] > height:
                raise LimitError(f"areas[{i}].bounds: outside the rich menu's size")
            if not action.get("type"):
                raise LimitError(f"areas[{i}].action: required")
            if len(action.get("label") or "") > 20:
                raise LimitError(f"areas[{i}].action.label: at most 20 characters")
            if action["type"] == "message" and not 1 <= len(action.get("text") or "") <= 300:
                raise LimitError(f"areas[{i}].action.text: 1 to 300 characters")
    except Exception as exc:  # pydantic's ValidationError, our LimitError, a KeyError/TypeError on odd shapes
        return f"The request body has 1 error(s): {str(exc)[:400]}"
    return None


def _rich_menu_image_error(content_type: str, data: bytes, size: dict) -> str | None:
    if content_type not in ("image/png", "image/jpeg"):
        return f"Content-Type {content_type or '(none)'}: image/png or image/jpeg only"
    if not data:
        return "empty image"
    if len(data) > MAX_RICH_MENU_IMAGE_BYTES:
        return f"image of {len(data)} bytes; at most 1 MB"
    from PIL import Image  # imported here: only rich menu uploads need it

    # A cut-off file: the end marker is missing. Checked here because Pillow decodes a truncated image
    # without complaint once anything in the process (WeasyPrint does, on import) has set
    # ImageFile.LOAD_TRUNCATED_IMAGES.
    if not data.rstrip(b"\0").endswith((b"IEND\xaeB`\x82", b"\xff\xd9")):
        return "the body is not a readable image (it ends before the image does)"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # the whole image decodes, not only its header
    except Exception:
        return "the body is not a readable image"
    if kind not in ("PNG", "JPEG") or f"image/{kind.lower()}" != content_type:
        return f"the body is {kind or 'not an image'}, not {content_type}"
    if (width, height) != (size["width"], size["height"]):
        return f"image is {width}x{height}; the rich menu is {size['width']}x{size['height']}"
    return None


class FakeLineServer:
    """The fake served in a background thread on a free loopback port."""

    def __init__(self, fake: FakeLine | None = None, host: str = "127.0.0.1", port: int = 0):
        self.fake = fake or FakeLine()
        self._server = make_server(host, port, self.fake.app(), threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakeline", daemon=True)

    def __enter__(self) -> FakeLineServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the fake LINE Messaging API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--threads", type=int, default=8, help="requests served at once (default 8)")
    parser.add_argument("--no-record", action="store_true", help="Keep nothing in memory (benchmarks).")
    args = parser.parse_args()
    fake = FakeLine()
    fake.quota_limit = None
    fake.record_requests = not args.no_record
    _KeepAliveServer(fake.app(), {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": 1,  # one process: reply tokens, retry keys and the quota live in its memory
        "worker_class": "gthread",
        "threads": args.threads,
        "keepalive": 60,
        "accesslog": None,
        "loglevel": "warning",
    }).run()


class _KeepAliveServer(BaseApplication):
    """gunicorn, configured from a dict, serving an app object (gunicorn's documented custom application)."""

    def __init__(self, app: Flask, options: dict[str, Any]):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        self.cfg.set("when_ready", lambda arbiter: print(f"fake LINE API on {arbiter.LISTENERS[0]}", flush=True))
        # The web workers' GC freeze, for the same reason: otherwise a full collection of the loaded
        # app stalls every reply the benchmark waits for, for 100-150 ms, once within a 10 s open loop
        # (measured: the stall showed in the baseline's p99 too, and went with the freeze).
        self.cfg.set("post_worker_init", freeze_loaded)

    def load(self) -> Flask:
        return self._app


if __name__ == "__main__":
    main()
