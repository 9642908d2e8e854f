"""Routes one webhook event to the handler that answers it.

Order for a text: global word (cancel, help, resume) → the open conversation's step → command word
(longest first; Thai words need no space before their argument; a command's sub-command, such as
"summary names", is its own row) → a command word misspelt by a letter or two (the `suggest`
handler offers it) → fallback. While a conversation is open, a message whose first word is a command
word puts the conversation aside and runs the command (so "status" mid-proposal shows the status, as
a person expects, and the proposal can be resumed); anything else answers the step. A handler that
starts another conversation while one is open puts that one aside too; the person is told either
way (the `put_aside` notice). A conversation untouched for 30 minutes is stale: it is closed, the
person is told, and the message is routed as if there were none. The conversation is looked up
when first needed (every text; only the postbacks whose handlers use it). Postbacks go by their
action (`a=<module>.<verb>&k=v`); locations go to the step that asked for one; an image sent while
no conversation is open goes to the photo handler.

A conversation is declared with its steps and the dataclass that holds its draft
(`router.flow("proposal", title, steps=("problem", "good", "virtue"), draft=ProposalDraft)`):
routing a step that was not declared, or moving a conversation to one, raises. A step may declare its
`prompt`, the question it asks, so that help and resuming can ask it again (`Router.prompt`).

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
import re
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
WAKE_DOCUMENTS = "documents"  # Context.wake: a document waits to be made (models/docbuild.py)


class UnknownStep(LookupError):
    """Code moved a conversation to a flow or step that was not declared."""


@dataclass(frozen=True)
class Notices:
    """What the router says by itself, in the words the handlers' registration hands it."""

    coordinators_only: str  # to a person who may not use a coordinator command
    timed_out: str  # "{flow}": the conversation untouched for 30 minutes was closed
    put_aside: str  # "{flow}": a command word (or another conversation) put the open conversation aside
    where: str  # "{flow}": the step again, for a step that declared no prompt
    unnamed_flow: str  # the name of a conversation this version does not know
    resume_word: str  # the chip that resumes a conversation put aside
    cancel_word: str  # the chip that leaves the open conversation


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
    set_aside: str = ""  # the name of the conversation put aside while handling this event
    wake: set[str] = field(default_factory=set)  # the shell's work to start once this is committed (WAKE_*)
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

    @property
    def aside_flow(self) -> str:
        """The Thai name of the conversation put aside ("" when none is)."""
        if self.user_id is None:
            return ""
        row = conversations.aside(self.db, self.user_id, self.now)
        return "" if row is None else self._router().flow_title(row.flow)

    def put_aside(self) -> None:
        """Put the open conversation aside (it may be resumed; the router tells the person so)."""
        row = self.conversation
        if row is None or self.user_id is None:
            return
        self.set_aside = self._router().flow_title(row.flow)
        conversations.put_aside(self.db, self.user_id, self.now)
        self._conversation, self._looked_up = None, True

    def resume(self) -> bool:
        """Make the conversation put aside the open one (an open one goes aside in its place)."""
        if self.user_id is None:
            return False
        open_ = self.conversation
        swapped = self._router().flow_title(open_.flow) if open_ is not None else ""
        row = conversations.resume(self.db, self.user_id, self.now)
        if row is None:
            return False
        self.set_aside = swapped or self.set_aside
        self._conversation, self._looked_up = row, True
        return True

    def drop_aside(self) -> None:
        if self.user_id is not None:
            conversations.drop_aside(self.db, self.user_id)

    def begin(self, flow: str, step: str, draft: object = None) -> None:
        """Start a conversation, or move the open one to `step`, with `draft` (the flow's dataclass).
        Another flow's open conversation is put aside, not dropped."""
        assert self.user_id is not None
        spec = self._router().flow_of(flow)
        if step not in spec.steps:
            raise UnknownStep(f"flow {flow!r} has no step {step!r}; its steps: {', '.join(spec.steps)}")
        if spec.draft is None and draft is not None or spec.draft is not None and not isinstance(draft, spec.draft):
            raise TypeError(f"flow {flow!r} keeps a {spec.draft.__name__ if spec.draft else 'no'} draft, "
                            f"not {type(draft).__name__}")
        data = dataclasses.asdict(draft) if dataclasses.is_dataclass(draft) and not isinstance(draft, type) else {}
        if self.conversation is not None and self.conversation.flow != flow:
            self.put_aside()
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


SUGGEST_UP_TO = 40  # characters: a longer text is a sentence, not a misspelt command
_THAI_HEAD = re.compile(r"([\u0E00-\u0E7F]+)(.*)", re.S)  # ลงทะเบียรKMTP4679: the Thai word, then the rest


def distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance between two short strings (at most `limit`: beyond it, `limit`)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        row = [i]
        for j, cb in enumerate(b, start=1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = row
        if min(row) >= limit:
            return limit
    return min(previous[-1], limit)


def allowed_typos(word: str) -> int:
    """How many letters a word may be misspelt by and still be recognised: none for words of 3 letters
    or fewer (too many real words are that close), 1 up to 5 letters, 2 beyond."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 5 else 2


class Router:
    def __init__(self) -> None:
        self._words: dict[str, Route] = {}
        self._global: dict[str, Route] = {}
        self._subs: dict[tuple[str, str], Route] = {}
        self._actions: dict[str, Route] = {}
        self._events: dict[str, Route] = {}
        self._flows: dict[str, Flow] = {}
        self._steps: dict[tuple[str, str], tuple[Route, frozenset[str]]] = {}
        self._prompts: dict[tuple[str, str], Handler] = {}
        self._canonical: dict[str, str] = {}  # a word as routed (casefolded) → the spelling to suggest
        self._fallback: Route | None = None
        self._suggest: Route | None = None
        self._unregistered: Handler | None = None
        self._non_text: Handler | None = None
        self._photo: Route | None = None
        self._notices: Notices | None = None

    # -- registration ---------------------------------------------------------------------------
    def text(self, words: Word | Sequence[str], fn: Handler, public: bool = False, everywhere: bool = False) -> None:
        """Route these words (every spelling of a Word) to `fn(ctx, args)`. `everywhere`: also in the
        middle of a conversation."""
        spellings = _spellings(words)
        for word in spellings:
            key = word.casefold()
            if key in self._words or key in self._global:
                raise ValueError(f"word {word!r} is already routed")
            (self._global if everywhere else self._words)[key] = Route(fn, public)
            self._canonical[key] = spellings[0]

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

    def step(self, flow: str, step: str, fn: Handler, accepts: Sequence[str] = ("text",),
             prompt: Handler | None = None) -> None:
        """`fn(ctx, text=…)` answers a text at this step; with "location" in `accepts`,
        `fn(ctx, latitude=…, longitude=…, address=…)` answers a shared location; with "content",
        `fn(ctx, message_id=…, content_type="image"|"file", file_name=…)` answers an image or a file.
        `prompt(ctx)` asks the step's question again, with its choices (help and resuming show it)."""
        if step not in self.flow_of(flow).steps:
            raise UnknownStep(f"flow {flow!r} declares no step {step!r}")
        if (flow, step) in self._steps:
            raise ValueError(f"step {flow}/{step} is already routed")
        self._steps[(flow, step)] = (Route(fn), frozenset(accepts))
        if prompt is not None:
            self._prompts[(flow, step)] = prompt

    def fallback(self, fn: Handler) -> None:
        self._fallback = Route(fn, public=False)

    def suggest(self, fn: Handler) -> None:
        """`fn(ctx, word=…, typed=…, rest=…)` answers a text that is a command word misspelt by a letter
        or two (`word`, the spelling to offer; `rest`, what followed it), when no step waits for a text.
        Public: a person not yet registered is offered only the words they may use."""
        self._suggest = Route(fn, public=True)

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

    def near_word(self, text: str, ctx: Context | None = None) -> tuple[str, str] | None:
        """The command word a short text seems to misspell (the spelling to offer, and the text after
        the word), among the words this person may use; None when no word is close enough."""
        typed = " ".join(text.split())
        if not typed or len(typed) > SUGGEST_UP_TO:
            return None
        head, _, rest = typed.partition(" ")
        thai = _THAI_HEAD.fullmatch(head)
        candidates = [(typed.casefold(), "")]
        if rest:
            candidates.append((head.casefold(), rest))
        if thai and thai.group(2):
            candidates.append((thai.group(1), (thai.group(2) + " " + rest).strip()))
        best: tuple[int, str, str] | None = None
        for key, route in (*self._words.items(), *self._global.items()):
            limit = allowed_typos(key)
            if not limit or not self._may_use(route, ctx):
                continue
            for said, after in candidates:
                gap = distance(said, key, limit + 1)
                if 0 < gap <= limit and (best is None or gap < best[0]):
                    best = (gap, self._canonical.get(key, key), after)
        return None if best is None else (best[1], best[2])

    @staticmethod
    def _may_use(route: Route, ctx: Context | None) -> bool:
        if ctx is None:
            return True
        if not route.public and not ctx.registered:
            return False
        return not route.coordinators_only or (ctx.staff is not None and ctx.staff.is_coordinator)

    def prompt(self, ctx: Context) -> Reply:
        """The open conversation's current question again, with its choices ([] when none is open)."""
        row = ctx.conversation
        if row is None:
            return []
        asks = self._prompts.get((row.flow, row.step))
        if asks is not None:
            return list(asks(ctx))
        notice = self._notice()
        return [messages.text(notice.where.format(flow=self.flow_title(row.flow)), messages.quick(notice.cancel_word))]

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
        reply = list(self._dispatch(ctx, kind, args))
        if ctx.set_aside:
            self._say_put_aside(ctx, reply)
        if ctx.notes:
            reply = [messages.text("\n".join(ctx.notes))] + reply
        return reply[:messages.MAX_MESSAGES]

    def _say_put_aside(self, ctx: Context, reply: Reply) -> None:
        """Tell the person their conversation was put aside: after the reply, with a chip to resume it
        beside the reply's own chips; before it when another conversation is now open (its question
        stays last, with its choices) or the reply has no room left."""
        notice = self._notice()
        said = notice.put_aside.format(flow=ctx.set_aside)
        if ctx._conversation is not None or not reply or len(reply) + bool(ctx.notes) >= messages.MAX_MESSAGES:
            ctx.notes.append(said)
            return
        last = reply[-1]
        theirs = list(last.quick_reply.items) if getattr(last, "quick_reply", None) else []
        theirs = [i for i in theirs if getattr(i.action, "text", None) != notice.resume_word]
        reply.append(messages.text(said, messages.chips(notice.resume_word, *theirs)))

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
                ctx.put_aside()
            found = self.match_text(text)
            if found is None:
                near = self.near_word(text, ctx) if self._suggest is not None and step is None else None
                if near is not None:
                    return self._run(self._suggest, ctx, word=near[0], typed=text.strip(), rest=near[1])
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
