"""The LINE client: the only module that talks to the Messaging API through line-bot-sdk v3.

Replies are free and single-use: sent once, never retried. Push and multicast are billed: each
carries an `X-Line-Retry-Key`; a 5xx, a timeout or a 429 is retried with the same key and a
growing back-off, a 409 means LINE already accepted that key, any other 4xx is final.

The `x-line-request-id` of every answer goes to the current trace (bot/observability.py: the log
line of the webhook request or job run), and replies, pushes and multicasts are counted there.
"""
from __future__ import annotations

import hmac
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import jwt
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    Message,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)

from bot import observability
from bot.config import DEFAULT_LINE_API_HOST, Settings

log = logging.getLogger(__name__)

MAX_MESSAGES = 5
MAX_MULTICAST = 500
MAX_BACKOFF = 8.0
LOGIN_ISSUER = "https://access.line.me"
LOGIN_TOKEN_PATH = "/oauth2/v2.1/token"  # LINE Login's token endpoint, on the API host


class LineError(Exception):
    """LINE refused a request (after any retries). `status` 0 means no HTTP answer at all."""

    def __init__(self, status: int, request_id: str | None, detail: str):
        super().__init__(f"LINE API {status or 'unreachable'} (request id {request_id or '-'}): {detail}")
        self.status = status
        self.request_id = request_id
        self.detail = detail


@dataclass(frozen=True)
class Quota:
    limit: int | None  # None: no monthly limit
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)


def _request_id(headers) -> str | None:
    if not headers:
        return None
    for key, value in dict(headers).items():
        if key.lower() == "x-line-request-id":
            return value
    return None


def _detail(exc: ApiException) -> str:
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or exc.reason)
    return body[:500]


class _TracedApiClient(ApiClient):
    """The SDK's client, telling the current trace the request id of every answer (errors too)."""

    def request(self, *args, **kwargs):
        try:
            response = super().request(*args, **kwargs)
        except ApiException as exc:
            observability.line_request(_request_id(exc.headers))
            raise
        observability.line_request(response.getheader("x-line-request-id"))
        return response


class LineClient:
    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self._sleep = sleep
        config = Configuration(host=settings.line_api_host, access_token=settings.access_token or "unset")
        config.retries = False  # our own retry loop decides; urllib3 must not resend a POST by itself
        config.connection_pool_maxsize = 16
        self._client = _TracedApiClient(config)
        self._api = MessagingApi(self._client)
        self._timeout = settings.line_timeout
        self._login = urllib3.PoolManager(retries=False)  # LINE Login's token endpoint (not in the SDK)

    def close(self) -> None:
        self._client.close()
        self._login.clear()

    # -- LINE Login (the console's "sign in with LINE") ---------------------------------------------
    def login_user(self, code: str, redirect_uri: str, nonce: str) -> str | None:
        """The LINE user id an authorization code stands for, from the ID token LINE returns for it,
        checked here: its signature (HS256 with the login channel's secret), issuer, audience (our
        channel), expiry and nonce. None when anything is wrong (logged)."""
        settings = self.settings
        if not (code and nonce and settings.line_login):
            return None
        try:
            answer = self._login.request("POST", settings.line_api_host + LOGIN_TOKEN_PATH, encode_multipart=False,
                                         fields={"grant_type": "authorization_code", "code": code,
                                                 "redirect_uri": redirect_uri,
                                                 "client_id": settings.line_login_channel_id,
                                                 "client_secret": settings.line_login_channel_secret},
                                         timeout=self._timeout)
        except urllib3.exceptions.HTTPError as exc:
            log.warning("LINE Login: the token endpoint did not answer: %s", exc)
            return None
        observability.line_request(answer.headers.get("x-line-request-id"))
        if answer.status != 200:
            log.warning("LINE Login: the token endpoint answered %s: %s", answer.status, answer.data[:300])
            return None
        try:
            claims = jwt.decode(answer.json().get("id_token", ""), settings.line_login_channel_secret,
                                algorithms=["HS256"], audience=settings.line_login_channel_id, issuer=LOGIN_ISSUER,
                                options={"require": ["exp", "iat", "sub", "aud", "iss"]})
        except (ValueError, AttributeError, jwt.PyJWTError) as exc:
            log.warning("LINE Login: the ID token was refused: %s", exc)
            return None
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            log.warning("LINE Login: the ID token's nonce does not match")
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) and subject else None

    # -- free -----------------------------------------------------------------------------------
    def reply(self, reply_token: str, messages: Sequence[Message]) -> bool:
        """Send a reply once. Returns False (and logs) when LINE refuses it; a reply is never retried."""
        if not messages:
            return True
        try:
            self._api.reply_message_with_http_info(
                ReplyMessageRequest(reply_token=reply_token, messages=list(messages)[:MAX_MESSAGES]),
                _request_timeout=self._timeout,
            )
            observability.count_send("reply", True)
            return True
        except ApiException as exc:
            log.error("reply failed: status %s, request id %s: %s", exc.status, _request_id(exc.headers), _detail(exc))
        except urllib3.exceptions.HTTPError as exc:
            log.error("reply failed: LINE unreachable: %s", exc)
        observability.count_send("reply", False)
        return False

    # -- billed ---------------------------------------------------------------------------------
    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> str:
        """Push to one user; returns the retry key used (store it to retry after a crash)."""
        key = retry_key or str(uuid.uuid4())
        request = PushMessageRequest(to=to, messages=list(messages)[:MAX_MESSAGES])
        self._counted("push", lambda: self._with_retries("push", lambda: self._api.push_message_with_http_info(
            request, x_line_retry_key=key, _request_timeout=self._timeout)))
        return key

    def multicast(self, to: Sequence[str], messages: Sequence[Message], retry_key: str | None = None) -> str:
        """Send to up to 500 users in one request; returns the retry key used."""
        if not 0 < len(to) <= MAX_MULTICAST:
            raise ValueError(f"multicast takes 1 to {MAX_MULTICAST} user ids, got {len(to)}")
        key = retry_key or str(uuid.uuid4())
        request = MulticastRequest(to=list(to), messages=list(messages)[:MAX_MESSAGES])
        self._counted("multicast", lambda: self._with_retries("multicast", lambda: self._api.multicast_with_http_info(
            request, x_line_retry_key=key, _request_timeout=self._timeout)))
        return key

    @staticmethod
    def _counted(kind: str, send: Callable[[], object]) -> None:
        """Count a billed send (after its retries): sent (a 409 too: LINE had it already) or failed."""
        try:
            send()
        except Exception:
            observability.count_send(kind, False)
            raise
        observability.count_send(kind, True)

    def quota(self) -> Quota:
        limit = self._with_retries("quota", lambda: self._api.get_message_quota(_request_timeout=self._timeout))
        used = self._with_retries(
            "quota consumption", lambda: self._api.get_message_quota_consumption(_request_timeout=self._timeout)
        )
        return Quota(limit=limit.value if limit.type == "limited" else None, used=used.total_usage)

    def _with_retries(self, what: str, call: Callable):
        attempts = self.settings.line_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except ApiException as exc:
                request_id = _request_id(exc.headers)
                if exc.status == 409:
                    log.info("%s already accepted by LINE (409, request id %s)", what, request_id)
                    return None
                retriable = exc.status == 429 or (exc.status or 0) >= 500
                if not retriable or attempt == attempts:
                    log.error("%s failed: status %s, request id %s: %s", what, exc.status, request_id, _detail(exc))
                    raise LineError(exc.status or 0, request_id, _detail(exc)) from exc
                log.warning("%s: status %s (request id %s), attempt %d of %d", what, exc.status, request_id,
                            attempt, attempts)
            except urllib3.exceptions.HTTPError as exc:
                if attempt == attempts:
                    log.error("%s failed: LINE unreachable: %s", what, exc)
                    raise LineError(0, None, str(exc)) from exc
                log.warning("%s: %s, attempt %d of %d", what, type(exc).__name__, attempt, attempts)
            self._sleep(min(MAX_BACKOFF, self.settings.line_backoff * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2))
        raise AssertionError("unreachable")

    # -- rich menu (free; `flask richmenu deploy` provisions it) --------------------------------------
    # Creating is a POST without a retry key: a retried 5xx may leave a second menu of the same name,
    # which `deploy` removes together with the older ones.
    def create_rich_menu(self, definition: dict) -> str:
        """Create a rich menu from RichMenuRequest JSON; its id."""
        request = RichMenuRequest.from_dict(definition)
        response = self._with_retries("create rich menu", lambda: self._api.create_rich_menu(
            request, _request_timeout=self._timeout))
        if response is None:  # a 409, which only retry-keyed requests should get
            raise LineError(409, None, "LINE answered 409 to a new rich menu")
        return response.rich_menu_id

    def upload_rich_menu_image(self, rich_menu_id: str, image: bytes) -> None:
        """Attach a PNG or JPEG (its type read from its first bytes) to a rich menu without one."""
        content_type = "image/jpeg" if image[:2] == b"\xff\xd8" else "image/png"
        with self._blob() as blob:
            self._with_retries("upload rich menu image", lambda: blob.set_rich_menu_image(
                rich_menu_id, bytes(image), _headers={"Content-Type": content_type},
                _request_timeout=max(self._timeout, 30.0)))

    @contextmanager
    def _blob(self) -> Iterator[MessagingApiBlob]:
        """A client of LINE's content host (api-data.line.me). MessagingApiBlob names that host itself,
        but a Configuration host overrides it, so the blob client gets its own Configuration."""
        host = self.settings.line_api_host.rstrip("/")
        config = Configuration(host=RICH_MENU_DATA_HOSTS.get(host, host),
                               access_token=self.settings.access_token or "unset")
        config.retries = False
        with _TracedApiClient(config) as client:
            yield MessagingApiBlob(client)

    def content(self, message_id: str) -> bytes | None:
        """What a user sent as an image or a file (LINE keeps it for a while); None when LINE has it no
        more (404) or does not answer."""
        with self._blob() as blob:
            def call() -> bytes | None:
                try:
                    return bytes(blob.get_message_content(message_id, _request_timeout=max(self._timeout, 30.0)))
                except ApiException as exc:
                    if exc.status == 404:
                        return None
                    raise
            try:
                return self._with_retries("get message content", call)
            except LineError as exc:
                log.warning("LINE: the content of message %s could not be fetched: %s", message_id, exc)
                return None

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        """Show this rich menu to every user who has no menu of their own."""
        self._with_retries("set default rich menu", lambda: self._api.set_default_rich_menu(
            rich_menu_id, _request_timeout=self._timeout))

    def default_rich_menu_id(self) -> str | None:
        """The default rich menu's id; None when there is none (LINE answers 404)."""
        def call():
            try:
                return self._api.get_default_rich_menu_id(_request_timeout=self._timeout).rich_menu_id
            except ApiException as exc:
                if exc.status == 404:
                    return None
                raise

        return self._with_retries("get default rich menu", call)

    def list_rich_menus(self) -> list[dict]:
        """Every rich menu of the channel, as LINE's JSON (richMenuId, name, size, areas, …)."""
        response = self._with_retries("list rich menus", lambda: self._api.get_rich_menu_list(
            _request_timeout=self._timeout))
        return [menu.to_dict() for menu in response.richmenus]

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        self._with_retries("delete rich menu", lambda: self._api.delete_rich_menu(
            rich_menu_id, _request_timeout=self._timeout))

    # Per-user menus (coordinators and executives): linking replaces whatever the user had.
    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        """Show this user `rich_menu_id` instead of the default."""
        self._with_retries("link rich menu", lambda: self._api.link_rich_menu_id_to_user(
            user_id, rich_menu_id, _request_timeout=self._timeout))

    def unlink_rich_menu(self, user_id: str) -> None:
        """Show this user the default menu again."""
        self._with_retries("unlink rich menu", lambda: self._api.unlink_rich_menu_id_from_user(
            user_id, _request_timeout=self._timeout))

    def rich_menu_of(self, user_id: str) -> str | None:
        """The menu linked to this user; None when they see the default (LINE answers 404)."""
        def call():
            try:
                return self._api.get_rich_menu_id_of_user(user_id, _request_timeout=self._timeout).rich_menu_id
            except ApiException as exc:
                if exc.status == 404:
                    return None
                raise

        return self._with_retries("get rich menu of user", call)


RICH_MENU_DATA_HOSTS = {DEFAULT_LINE_API_HOST: "https://api-data.line.me"}
