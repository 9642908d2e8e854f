"""Routes one webhook event to the handler that answers it.

Order for a text: global word (ยกเลิก, ช่วยเหลือ) → the open conversation's step → command word
(longest first; Thai words need no space before their argument) → fallback. While a conversation is
open, a message whose first word is a command word leaves the conversation and runs the command
(so "สถานะ" mid-proposal shows the status, as a person expects); anything else answers the step. A
conversation untouched for 30 minutes is stale: it is closed, the person is told, and the message is
routed as if there were none. The conversation is looked up when first needed (every text; only the
postbacks whose handlers use it). Postbacks go by their action (`a=<module>.<verb>&k=v`); locations go
to the step that asked for one.

Handlers are staff-only unless registered with `public=True`; the router answers unregistered
people itself through the `unregistered` handler. Registering the same word, action or step twice is
an error, not a silent replacement.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Sequence
from urllib.parse import parse_qsl

from linebot.v3.messaging import Message, TextMessage
from sqlalchemy.orm import Session

from bot.config import Settings
from models import conversation as conversations
from models.conversation import Conversation
from models.staff import Staff

Reply = list[Message]
Handler = Callable[..., Reply]
MAX_MESSAGES = 5
DEFAULT_FLOW_NAME = "รายการ"  # a conversation whose flow has no Thai name registered
_UNLOADED = object()


@dataclass
class Context:
    """Everything a handler may use for one event. `now` is the event's own time, in BOT_TIMEZONE."""

    db: Session
    settings: Settings
    now: datetime
    user_id: str | None
    staff: Staff | None
    event: Any = None
    event_id: str = ""
    notes: list[str] = field(default_factory=list)  # said before the handler's reply
    # The open conversation is looked up the first time a handler (or the router) asks for it: a
    # button that starts nothing, like the pledge's "รับทราบ", costs no query for it.
    load_conversation: Callable[[Context], Conversation | None] | None = field(default=None, repr=False)
    name_of_flow: Callable[[str], str] | None = field(default=None, repr=False)  # flow → its Thai name
    _conversation: Conversation | None | object = field(default=_UNLOADED, repr=False)

    @property
    def conversation(self) -> Conversation | None:
        if self._conversation is _UNLOADED:
            self._conversation = None
            if self.load_conversation is not None and self.user_id is not None:
                self._conversation = self.load_conversation(self)
        return self._conversation  # type: ignore[return-value]

    @conversation.setter
    def conversation(self, row: Conversation | None) -> None:
        self._conversation = row

    @property
    def flow_name(self) -> str:
        """The open conversation's Thai name ("" when none is open)."""
        row = self.conversation
        if row is None:
            return ""
        return self.name_of_flow(row.flow) if self.name_of_flow is not None else DEFAULT_FLOW_NAME

    @property
    def registered(self) -> bool:
        return self.staff is not None and self.staff.active

    def begin(self, flow: str, step: str, data: dict | None = None) -> None:
        """Start a conversation, or move the open one to `step` with `data`."""
        assert self.user_id is not None
        self.conversation = conversations.begin(self.db, self.user_id, flow, step, data, self.now)

    def end(self) -> None:
        if self.user_id is not None and self.conversation is not None:
            conversations.end(self.db, self.user_id)
        self.conversation = None


@dataclass(frozen=True)
class Route:
    fn: Handler
    public: bool = False


@functools.lru_cache(maxsize=None)
def _signature(fn: Handler) -> inspect.Signature:
    return inspect.signature(fn)


def coordinator_only(fn: Handler) -> Handler:
    """Guard for coordinator and executive commands; others get a polite refusal."""

    @functools.wraps(fn)
    def guarded(ctx: Context, *args, **kwargs) -> Reply:
        if ctx.staff is None or not ctx.staff.is_coordinator:
            from handlers import ui  # late import: bot/ must not depend on handlers at import time

            return [ui.text("ขออภัย คำสั่งนี้ใช้ได้เฉพาะผู้ประสานงานและผู้บริหารค่ะ พิมพ์ \"ช่วยเหลือ\" เพื่อดูคำสั่งที่ใช้ได้")]
        return fn(ctx, *args, **kwargs)

    guarded.coordinator_only = True  # type: ignore[attr-defined]
    return guarded


class Router:
    def __init__(self) -> None:
        self._words: dict[str, Route] = {}
        self._global: dict[str, Route] = {}
        self._actions: dict[str, Route] = {}
        self._events: dict[str, Route] = {}
        self._steps: dict[tuple[str, str], tuple[Route, frozenset[str]]] = {}
        self._flow_names: dict[str, str] = {}
        self._fallback: Route | None = None
        self._unregistered: Handler | None = None
        self._non_text: Handler | None = None

    # -- registration ---------------------------------------------------------------------------
    def text(self, words: Sequence[str], fn: Handler, public: bool = False, everywhere: bool = False) -> None:
        """Route these words to `fn(ctx, args)`. `everywhere`: also in the middle of a conversation."""
        for word in words:
            key = word.casefold()
            if key in self._words or key in self._global:
                raise ValueError(f"word {word!r} is already routed")
            (self._global if everywhere else self._words)[key] = Route(fn, public)

    def postback(self, action: str, fn: Handler, public: bool = False) -> None:
        if action in self._actions:
            raise ValueError(f"postback action {action!r} is already routed")
        self._actions[action] = Route(fn, public)

    def event(self, event_type: str, fn: Handler) -> None:
        if event_type in self._events:
            raise ValueError(f"event type {event_type!r} is already routed")
        self._events[event_type] = Route(fn, public=True)

    def flow(self, flow: str, name: str) -> None:
        """The Thai name of a conversation, used in "ยกเลิก<name>แล้ว" and time-out notes."""
        self._flow_names[flow] = name

    def step(self, flow: str, step: str, fn: Handler, accepts: Sequence[str] = ("text",)) -> None:
        """`fn(ctx, text=…)` answers a text at this step; with "location" in `accepts`,
        `fn(ctx, latitude=…, longitude=…, address=…)` answers a shared location."""
        if (flow, step) in self._steps:
            raise ValueError(f"step {flow}/{step} is already routed")
        self._steps[(flow, step)] = (Route(fn), frozenset(accepts))

    def fallback(self, fn: Handler) -> None:
        self._fallback = Route(fn, public=False)

    def unregistered(self, fn: Handler) -> None:
        self._unregistered = fn

    def non_text(self, fn: Handler) -> None:
        self._non_text = fn

    @property
    def words(self) -> list[str]:
        return list(self._words) + list(self._global)

    def flow_name(self, flow: str) -> str:
        return self._flow_names.get(flow, DEFAULT_FLOW_NAME)

    # -- matching -------------------------------------------------------------------------------
    def match_text(self, text: str) -> tuple[Route, str] | None:
        """The command a text starts with, and the rest of the text as its argument."""
        route = self._match_global(text)
        if route is not None:
            return route, ""
        folded = " ".join(text.split()).casefold()
        for word in sorted(self._words, key=len, reverse=True):
            if folded == word or folded.startswith(word + " ") or (
                folded.startswith(word) and not word.isascii()
            ):
                return self._words[word], " ".join(text.split())[len(word):].strip()
        return None

    def _match_global(self, text: str) -> Route | None:
        return self._global.get(" ".join(text.split()).casefold())

    def _is_command(self, text: str) -> bool:
        """Mid-conversation only a whole first word counts as a command, never a prefix."""
        first = text.split()[0].casefold() if text.split() else ""
        return first in self._words

    # -- dispatch -------------------------------------------------------------------------------
    def dispatch(self, ctx: Context, kind: str, **args: Any) -> Reply:
        """kind: 'text', 'postback', 'location', 'message' (other content) or an event type ('follow', …)."""
        if ctx.user_id is not None and kind in ("text", "location", "postback", "message"):
            ctx.load_conversation = self._load_conversation
            ctx.name_of_flow = self.flow_name
        reply = self._dispatch(ctx, kind, args)
        if ctx.notes:
            reply = [TextMessage(text="\n".join(ctx.notes))] + list(reply)
        return list(reply)[:MAX_MESSAGES]

    def _load_conversation(self, ctx: Context) -> Conversation | None:
        row = conversations.current(ctx.db, ctx.user_id)  # type: ignore[arg-type]
        if row is not None and row.stale(ctx.now):
            conversations.end(ctx.db, ctx.user_id)  # type: ignore[arg-type]
            ctx.notes.append(f"{self.flow_name(row.flow)}ที่ค้างไว้หมดเวลาแล้ว (เกิน 30 นาที) เริ่มใหม่ได้เสมอค่ะ")
            row = None
        return row

    def _dispatch(self, ctx: Context, kind: str, args: dict) -> Reply:
        if kind == "text":
            text = args.get("text") or ""
            route = self._match_global(text)
            if route is not None:
                return self._run(route, ctx, args="")
            step = self._current_step(ctx, "text")
            if step is not None and not self._is_command(text):
                return self._run(step, ctx, text=text.strip())
            if ctx.conversation is not None and self._is_command(text):
                ctx.notes.append(f"ยกเลิก{self.flow_name(ctx.conversation.flow)}ที่ค้างไว้แล้วค่ะ")
                ctx.end()
            found = self.match_text(text)
            if found is None:
                return self._run(self._fallback, ctx, text=text)
            route, rest = found
            return self._run(route, ctx, args=rest)
        if kind == "postback":
            params = dict(parse_qsl(args.get("data") or "", keep_blank_values=True))
            action = params.pop("a", "")
            route = self._actions.get(action)
            if route is None:
                return self._run(self._fallback, ctx, text="")
            return self._run(route, ctx, **params)
        if kind == "location":
            step = self._current_step(ctx, "location")
            if step is not None:
                return self._run(step, ctx, **args)
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        if kind == "message":
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        route = self._events.get(kind)
        return self._run(route, ctx) if route else []

    def _current_step(self, ctx: Context, kind: str) -> Route | None:
        if ctx.conversation is None:
            return None
        found = self._steps.get((ctx.conversation.flow, ctx.conversation.step))
        if found is None:  # a flow this version no longer has
            ctx.end()
            return None
        route, accepts = found
        return route if kind in accepts else None

    def _run(self, route: Route | None, ctx: Context, **kwargs) -> Reply:
        if route is None or route.fn is None:
            return []
        if not route.public and not ctx.registered:
            return self._unregistered(ctx) if self._unregistered else []
        try:
            _signature(route.fn).bind(ctx, **kwargs)
        except TypeError:
            # A postback whose parameters do not fit the handler (forged, or from an old card).
            return self._run(self._fallback, ctx, text="") if route is not self._fallback else []
        return route.fn(ctx, **kwargs)
