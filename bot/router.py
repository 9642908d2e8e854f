"""Routes one webhook event to the handler that answers it.

Order: postback action → text word (longest word first, Thai words need no space before their
argument) → fallback. Handlers are staff-only unless registered with `public=True`; the router
answers unregistered people itself through the `unregistered` handler. Registering the same word or
action twice is an error, not a silent replacement.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Sequence
from urllib.parse import parse_qsl

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot.config import Settings
from models.staff import Staff

Reply = list[Message]
Handler = Callable[..., Reply]


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
    extra: dict = field(default_factory=dict)

    @property
    def registered(self) -> bool:
        return self.staff is not None and self.staff.active


@dataclass(frozen=True)
class Route:
    fn: Handler
    public: bool = False


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
        self._actions: dict[str, Route] = {}
        self._events: dict[str, Route] = {}
        self._fallback: Route | None = None
        self._unregistered: Handler | None = None
        self._non_text: Handler | None = None

    # -- registration ---------------------------------------------------------------------------
    def text(self, words: Sequence[str], fn: Handler, public: bool = False) -> None:
        for word in words:
            key = word.casefold()
            if key in self._words:
                raise ValueError(f"word {word!r} is already routed to {self._words[key].fn.__qualname__}")
            self._words[key] = Route(fn, public)

    def postback(self, action: str, fn: Handler, public: bool = False) -> None:
        if action in self._actions:
            raise ValueError(f"postback action {action!r} is already routed")
        self._actions[action] = Route(fn, public)

    def event(self, event_type: str, fn: Handler) -> None:
        if event_type in self._events:
            raise ValueError(f"event type {event_type!r} is already routed")
        self._events[event_type] = Route(fn, public=True)

    def fallback(self, fn: Handler) -> None:
        self._fallback = Route(fn, public=False)

    def unregistered(self, fn: Handler) -> None:
        self._unregistered = fn

    def non_text(self, fn: Handler) -> None:
        self._non_text = fn

    @property
    def words(self) -> list[str]:
        return list(self._words)

    # -- dispatch -------------------------------------------------------------------------------
    def match_text(self, text: str) -> tuple[Route, str] | None:
        folded = " ".join(text.split()).casefold()
        for word in sorted(self._words, key=len, reverse=True):
            if folded == word or folded.startswith(word + " ") or (
                folded.startswith(word) and not word.isascii()
            ):
                return self._words[word], " ".join(text.split())[len(word):].strip()
        return None

    def dispatch(self, ctx: Context, kind: str, *, text: str | None = None, data: str | None = None) -> Reply:
        """kind: 'text', 'postback', 'message' (a non-text message) or an event type ('follow', …)."""
        if kind == "text":
            found = self.match_text(text or "")
            if found is None:
                return self._run(self._fallback, ctx, text=text or "")
            route, args = found
            return self._run(route, ctx, args=args)
        if kind == "postback":
            params = dict(parse_qsl(data or "", keep_blank_values=True))
            action = params.pop("a", "")
            route = self._actions.get(action)
            if route is None:
                return self._run(self._fallback, ctx, text="")
            return self._run(route, ctx, **params)
        if kind == "message":
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        route = self._events.get(kind)
        return self._run(route, ctx) if route else []

    def _run(self, route: Route | None, ctx: Context, **kwargs) -> Reply:
        if route is None or route.fn is None:
            return []
        if not route.public and not ctx.registered:
            return self._unregistered(ctx) if self._unregistered else []
        try:
            inspect.signature(route.fn).bind(ctx, **kwargs)
        except TypeError:
            # A postback whose parameters do not fit the handler (forged, or from an old card).
            return self._run(self._fallback, ctx, text="") if route is not self._fallback else []
        return route.fn(ctx, **kwargs)
