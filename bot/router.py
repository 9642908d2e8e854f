"""Routes one webhook event to the handler that answers it.

Order for a text: global word (cancel, help) → the open conversation's step → command word
(longest first; Thai words need no space before their argument; a command's sub-command, such as
"summary names", is its own row) → fallback. While a conversation is open, a message whose first
word is a command word leaves the conversation and runs the command (so "status" mid-proposal shows
the status, as a person expects); anything else answers the step. A conversation untouched for 30
minutes is stale: it is closed, the person is told, and the message is routed as if there were
none. The conversation is looked up when first needed (every text; only the postbacks whose
handlers use it). Postbacks go by their action (`a=<module>.<verb>&k=v`); locations go to the step
that asked for one; an image sent while no conversation is open goes to the photo handler.

A conversation is declared with its steps and the dataclass that holds its draft
(`router.flow("proposal", title, steps=("problem", "good", "virtue"), draft=ProposalDraft)`):
routing a step that was not declared, or moving a conversation to one, raises.

Handlers are staff-only unless registered with `public=True`, and coordinator-only when marked with
`@coordinator_only`; the router answers the others itself (the `unregistered` handler; the
coordinators-only notice). Registering the same word, action or step twice is an error, not a
silent replacement. The router has no words of its own: what it says itself is handed to it by the
handlers' registration (`Notices`).
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from linebot.v3.messaging import Message
from sqlalchemy.orm import Session

from bot import messages
from bot.config import Settings
from bot.words import Word
from models import conversation as conversations
from models.conversation import Conversation
from models.staff import Staff

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Reply = list[Message]
Handler = Callable[..., Reply]
H = TypeVar("H", bound=Handler)
D = TypeVar("D", bound="DataclassInstance")
COORDINATORS_ONLY = "coordinators_only"  # the attribute @coordinator_only sets on a handler


class UnknownStep(LookupError):
    """Code moved a conversation to a flow or step that was not declared."""


@dataclass(frozen=True)
class Notices:
    """What the router says by itself, in the words the handlers' registration hands it."""

    coordinators_only: str  # to a person who may not use a coordinator command
    timed_out: str  # "{flow}": the conversation untouched for 30 minutes was closed
    left: str  # "{flow}": a command word left the open conversation
    unnamed_flow: str  # the name of a conversation this version does not know


@dataclass(frozen=True)
class Flow:
    """A conversation: its Thai name, its steps and the dataclass of its draft (None: no draft)."""

    name: str
    title: str
    steps: tuple[str, ...]
    draft: type | None = None


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
    # What an image or file message holds, fetched from LINE by its message id (None: LINE has it no more)
    content: Callable[[str], bytes | None] | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # said before the handler's reply
    # Set by Router.dispatch: the flows, and the open conversation, which is looked up the first time
    # a handler (or the router) asks for it: a button that starts nothing, like the pledge's
    # acknowledgment, costs no query for it.
    router: Router | None = field(default=None, repr=False)
    _conversation: Conversation | None = field(default=None, repr=False)
    _looked_up: bool = field(default=False, repr=False)

    @property
    def conversation(self) -> Conversation | None:
        if not self._looked_up:
            self._looked_up = True
            if self.router is not None and self.user_id is not None:
                self._conversation = self.router.load_conversation(self)
        return self._conversation

    @property
    def flow_name(self) -> str:
        """The open conversation's Thai name ("" when none is open)."""
        row = self.conversation
        return "" if row is None else self._router().flow_title(row.flow)

    @property
    def registered(self) -> bool:
        return self.staff is not None and self.staff.active

    def begin(self, flow: str, step: str, draft: object = None) -> None:
        """Start a conversation, or move the open one to `step`, with `draft` (the flow's dataclass)."""
        assert self.user_id is not None
        spec = self._router().flow_of(flow)
        if step not in spec.steps:
            raise UnknownStep(f"flow {flow!r} has no step {step!r}; its steps: {', '.join(spec.steps)}")
        if spec.draft is None and draft is not None or spec.draft is not None and not isinstance(draft, spec.draft):
            raise TypeError(f"flow {flow!r} keeps a {spec.draft.__name__ if spec.draft else 'no'} draft, "
                            f"not {type(draft).__name__}")
        data = dataclasses.asdict(draft) if dataclasses.is_dataclass(draft) and not isinstance(draft, type) else {}
        self._conversation = conversations.begin(self.db, self.user_id, flow, step, data, self.now)
        self._looked_up = True

    def draft(self, kind: type[D]) -> D:
        """The open conversation's draft, as the dataclass its flow declared."""
        row = self.conversation
        if row is None:
            raise LookupError("no conversation is open")
        declared = self._router().flow_of(row.flow).draft
        if declared is not kind:
            raise TypeError(f"flow {row.flow!r} keeps a {declared.__name__ if declared else 'no'} draft, "
                            f"not {kind.__name__}")
        return load_draft(kind, row.data)

    def end(self) -> None:
        if self.user_id is not None and self.conversation is not None:
            conversations.end(self.db, self.user_id)
        self._conversation, self._looked_up = None, True

    def _router(self) -> Router:
        if self.router is None:
            raise RuntimeError("this Context was not made by Router.dispatch: it knows no flows")
        return self.router


def load_draft(kind: type[D], data: dict[str, Any]) -> D:
    """A draft stored as JSON, as its dataclass: fields it does not have are ignored (a row from an
    older version), lists come back as the tuples they were."""
    names = {f.name for f in dataclasses.fields(kind)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in (data or {}).items() if k in names}
    return kind(**values)


@dataclass(frozen=True)
class Route:
    fn: Handler
    public: bool = False

    @property
    def coordinators_only(self) -> bool:
        return bool(getattr(self.fn, COORDINATORS_ONLY, False))


@functools.cache
def _signature(fn: Handler) -> inspect.Signature:
    return inspect.signature(fn)


def coordinator_only(fn: H) -> H:
    """Mark a handler as one for coordinators and executives; the router refuses everyone else
    politely, with its `coordinators_only` notice."""
    setattr(fn, COORDINATORS_ONLY, True)
    return fn


def _spellings(words: Word | Sequence[str]) -> tuple[str, ...]:
    if isinstance(words, Word):
        return words.spellings
    if isinstance(words, str):
        return (words,)
    return tuple(words)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class Router:
    def __init__(self) -> None:
        self._words: dict[str, Route] = {}
        self._global: dict[str, Route] = {}
        self._subs: dict[tuple[str, str], Route] = {}
        self._actions: dict[str, Route] = {}
        self._events: dict[str, Route] = {}
        self._flows: dict[str, Flow] = {}
        self._steps: dict[tuple[str, str], tuple[Route, frozenset[str]]] = {}
        self._fallback: Route | None = None
        self._unregistered: Handler | None = None
        self._non_text: Handler | None = None
        self._photo: Route | None = None
        self._notices: Notices | None = None

    # -- registration ---------------------------------------------------------------------------
    def text(self, words: Word | Sequence[str], fn: Handler, public: bool = False, everywhere: bool = False) -> None:
        """Route these words (every spelling of a Word) to `fn(ctx, args)`. `everywhere`: also in the
        middle of a conversation."""
        for word in _spellings(words):
            key = word.casefold()
            if key in self._words or key in self._global:
                raise ValueError(f"word {word!r} is already routed")
            (self._global if everywhere else self._words)[key] = Route(fn, public)

    def sub(self, command: Word | Sequence[str], args: Word | Sequence[str], fn: Handler) -> None:
        """Route a command followed by exactly these words ("summary names") to `fn(ctx, args="")`, instead
        of the command's own handler; the command must be routed already."""
        for word in _spellings(command):
            route = self._words.get(word.casefold())
            if route is None:
                raise ValueError(f"sub-command of {word!r}, which is not routed")
            for arg in _spellings(args):
                key = (word.casefold(), _fold(arg))
                if key in self._subs:
                    raise ValueError(f"{word} {arg!r} is already routed")
                self._subs[key] = Route(fn, route.public)

    def postback(self, action: str, fn: Handler, public: bool = False) -> None:
        if action in self._actions:
            raise ValueError(f"postback action {action!r} is already routed")
        self._actions[action] = Route(fn, public)

    def event(self, event_type: str, fn: Handler) -> None:
        if event_type in self._events:
            raise ValueError(f"event type {event_type!r} is already routed")
        self._events[event_type] = Route(fn, public=True)

    def flow(self, flow: str, title: str, steps: Sequence[str], draft: type | None = None) -> None:
        """Declare a conversation: its Thai name (said when it is cancelled, left or timed out), its
        steps and the dataclass of its draft."""
        if flow in self._flows:
            raise ValueError(f"flow {flow!r} is already declared")
        if not steps or len(set(steps)) != len(steps):
            raise ValueError(f"flow {flow!r} needs distinct steps")
        if draft is not None and not dataclasses.is_dataclass(draft):
            raise TypeError(f"the draft of flow {flow!r} must be a dataclass")
        self._flows[flow] = Flow(flow, title, tuple(steps), draft)

    def step(self, flow: str, step: str, fn: Handler, accepts: Sequence[str] = ("text",)) -> None:
        """`fn(ctx, text=…)` answers a text at this step; with "location" in `accepts`,
        `fn(ctx, latitude=…, longitude=…, address=…)` answers a shared location; with "content",
        `fn(ctx, message_id=…, content_type="image"|"file", file_name=…)` answers an image or a file."""
        if step not in self.flow_of(flow).steps:
            raise UnknownStep(f"flow {flow!r} declares no step {step!r}")
        if (flow, step) in self._steps:
            raise ValueError(f"step {flow}/{step} is already routed")
        self._steps[(flow, step)] = (Route(fn), frozenset(accepts))

    def fallback(self, fn: Handler) -> None:
        self._fallback = Route(fn, public=False)

    def unregistered(self, fn: Handler) -> None:
        self._unregistered = fn

    def non_text(self, fn: Handler) -> None:
        self._non_text = fn

    def photo(self, fn: Handler) -> None:
        """`fn(ctx, message_id=…, content_type="image", file_name="")` answers an image sent while no
        conversation is open (files, and images in a conversation whose step takes none, stay non-text)."""
        if self._photo is not None:
            raise ValueError("photos are already routed")
        self._photo = Route(fn)

    def notices(self, notices: Notices) -> None:
        self._notices = notices

    def check(self) -> Router:
        """After registration: every declared step answered, the notices handed in."""
        unanswered = [f"{f.name}/{s}" for f in self._flows.values() for s in f.steps if (f.name, s) not in self._steps]
        if unanswered:
            raise ValueError(f"steps declared but not routed: {', '.join(unanswered)}")
        if self._notices is None:
            raise ValueError("the router has no notices: register them with router.notices(...)")
        return self

    @property
    def words(self) -> list[str]:
        return list(self._words) + list(self._global)

    def flow_of(self, flow: str) -> Flow:
        found = self._flows.get(flow)
        if found is None:
            raise UnknownStep(f"no flow {flow!r} is declared")
        return found

    def flow_title(self, flow: str) -> str:
        found = self._flows.get(flow)
        return found.title if found is not None else self._notice().unnamed_flow

    def _notice(self) -> Notices:
        if self._notices is None:
            raise RuntimeError("the router has no notices: register them with router.notices(...)")
        return self._notices

    # -- matching -------------------------------------------------------------------------------
    def match_text(self, text: str) -> tuple[Route, str] | None:
        """The command a text starts with, and the rest of the text as its argument."""
        route = self._match_global(text)
        if route is not None:
            return route, ""
        folded = _fold(text)
        for word in sorted(self._words, key=len, reverse=True):
            if folded == word or folded.startswith(word + " ") or (
                folded.startswith(word) and not word.isascii()
            ):
                rest = " ".join(text.split())[len(word):].strip()
                sub = self._subs.get((word, rest.casefold()))
                return (sub, "") if sub is not None else (self._words[word], rest)
        return None

    def _match_global(self, text: str) -> Route | None:
        return self._global.get(_fold(text))

    def _is_command(self, text: str) -> bool:
        """Mid-conversation only a whole first word counts as a command, never a prefix."""
        first = text.split()[0].casefold() if text.split() else ""
        return first in self._words

    # -- dispatch -------------------------------------------------------------------------------
    def dispatch(self, ctx: Context, kind: str, **args: Any) -> Reply:
        """kind: 'text', 'postback', 'location', 'content' (an image or a file), 'message' (other content)
        or an event type ('follow', …)."""
        ctx.router = self
        if kind not in ("text", "location", "postback", "message", "content"):
            ctx._looked_up = True  # follow, unfollow …: no conversation to look up
        reply = self._dispatch(ctx, kind, args)
        if ctx.notes:
            reply = [messages.text("\n".join(ctx.notes))] + list(reply)
        return list(reply)[:messages.MAX_MESSAGES]

    def load_conversation(self, ctx: Context) -> Conversation | None:
        assert ctx.user_id is not None
        row = conversations.current(ctx.db, ctx.user_id)
        if row is not None and row.stale(ctx.now):
            conversations.end(ctx.db, ctx.user_id)
            ctx.notes.append(self._notice().timed_out.format(flow=self.flow_title(row.flow)))
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
                ctx.notes.append(self._notice().left.format(flow=self.flow_title(ctx.conversation.flow)))
                ctx.end()
            found = self.match_text(text)
            if found is None:
                return self._run(self._fallback, ctx, text=text)
            route, rest = found
            return self._run(route, ctx, args=rest)
        if kind == "postback":
            params = dict(parse_qsl(args.get("data") or "", keep_blank_values=True))
            action = params.pop("a", "")
            found_action = self._actions.get(action)
            if found_action is None:
                return self._run(self._fallback, ctx, text="")
            return self._run(found_action, ctx, **params)
        if kind == "location":
            step = self._current_step(ctx, "location")
            if step is not None:
                return self._run(step, ctx, **args)
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        if kind == "content":  # an image or a file: a step that takes one, else like any other content
            step = self._current_step(ctx, "content")
            if step is not None:
                return self._run(step, ctx, **args)
            if self._photo is not None and args.get("content_type") == "image" and ctx.conversation is None:
                return self._run(self._photo, ctx, **args)
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        if kind == "message":
            return self._run(Route(self._non_text), ctx) if self._non_text else []
        event_route = self._events.get(kind)
        return self._run(event_route, ctx) if event_route else []

    def _current_step(self, ctx: Context, kind: str) -> Route | None:
        if ctx.conversation is None:
            return None
        found = self._steps.get((ctx.conversation.flow, ctx.conversation.step))
        if found is None:  # a flow or step this version no longer has
            ctx.end()
            return None
        route, accepts = found
        return route if kind in accepts else None

    def _run(self, route: Route | None, ctx: Context, **kwargs: Any) -> Reply:
        if route is None or route.fn is None:
            return []
        if not route.public and not ctx.registered:
            return self._unregistered(ctx) if self._unregistered else []
        try:
            _signature(route.fn).bind(ctx, **kwargs)
        except TypeError:
            # A postback whose parameters do not fit the handler (forged, or from an old card).
            return self._run(self._fallback, ctx, text="") if route is not self._fallback else []
        if route.coordinators_only and not (ctx.staff is not None and ctx.staff.is_coordinator):
            return [messages.text(self._notice().coordinators_only)]
        return route.fn(ctx, **kwargs)
