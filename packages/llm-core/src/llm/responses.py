"""Responses: lazy, streaming results of a prompt, sync and async.

Nothing runs until the response is consumed (iterated, ``text()``, ``str()``,
``usage()``, ``json()``). Chunks are kept, so a response can be read again.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator, Optional

from .parts import Message, StreamEvent, continues, events_to_messages, merge_metadata, next_part_index
from .prompts import Prompt
from .usage import Usage
from .utils import new_id

if TYPE_CHECKING:
    from .conversations import _BaseConversation
    from .models import _BaseModel


def _execute_arguments(model: Any, response: "_BaseResponse") -> tuple[list[Any], dict[str, Any]]:
    """Arguments for ``model.execute``: plugins written for older releases omit ``conversation``."""
    try:
        params = list(inspect.signature(model.execute).parameters)
    except (TypeError, ValueError):
        params = ["prompt", "stream", "response", "conversation"]
    stream = bool(response.stream and model.can_stream)
    args: list[Any] = [response.prompt, stream, response]
    kwargs: dict[str, Any] = {}
    if "conversation" in params or len(params) >= 4:
        args.append(response.conversation)
    if getattr(model, "needs_key", None) and "key" in params:
        kwargs["key"] = model.get_key(response._key)
    return args, kwargs


#: Keyword arguments of ``model.prompt()`` that are not model options.
_PROMPT_ARGUMENTS = frozenset({
    "fragments", "attachments", "system", "system_fragments", "schema", "tools", "tool_results",
    "messages", "options", "stream", "key", "conversation",
})


class ToolUnavailable(Exception):
    """A tool known only by name (from a serialized response) was called."""


def _tool_finder(tools: Optional[list[Any]]) -> Callable[[dict[str, Any]], Any]:
    """Map a serialized tool spec to a Tool: from ``tools``, the registry, or a stand-in."""
    from .tools import Tool, expand_tools

    given = {t.name: t for t in expand_tools(list(tools or []))}
    registered: Optional[dict[str, Any]] = None

    def find(spec: dict[str, Any]) -> Any:
        nonlocal registered
        name = spec["name"]
        if name in given:
            return given[name]
        if registered is None:
            from .registry import get_tools

            registered = {}
            for item in get_tools().values():
                try:
                    registered.update({t.name: t for t in expand_tools([item])})
                except Exception:  # a toolbox that needs configuration cannot be rebuilt here
                    continue
        if name in registered:
            return registered[name]

        def unavailable(**_: Any) -> Any:
            raise ToolUnavailable(
                f"tool '{name}' is not available (pass it to from_dict(tools=...))")

        return Tool(name=name, description=spec.get("description"),
                    input_schema=spec.get("input_schema") or {}, implementation=unavailable)

    return find


class _BaseResponse:
    """State shared by sync and async responses."""

    prompt: Prompt
    model: "_BaseModel"

    def __init__(
        self,
        prompt: Prompt,
        model: "_BaseModel",
        stream: bool,
        conversation: Optional["_BaseConversation"] = None,
        key: Optional[str] = None,
    ) -> None:
        self.id = new_id()
        self.prompt = prompt
        self.model = model
        self.stream = stream
        self.conversation = conversation
        self._key = key
        self._chunks: list[str] = []
        self._done = False
        self._started = False
        #: True when the response stopped early (interrupt, error, cut stream).
        self.incomplete = False
        self.response_json: Any = None
        self.input_tokens: Optional[int] = None
        self.output_tokens: Optional[int] = None
        self.token_details: Optional[dict[str, Any]] = None
        self.resolved_model: Optional[str] = None
        self.done_callbacks: list[Callable[..., Any]] = []
        self._start: Optional[float] = None
        self._end: Optional[float] = None
        self._start_utcnow: Optional[datetime.datetime] = None
        self._tool_calls: list[Any] = []
        self._events: list[StreamEvent] = []
        self._synthesized_calls: set[str] = set()
        #: The request a plugin sent, when it records one (logged as prompt_json).
        self._prompt_json: Any = None

    # -- what plugins call from execute() -----------------------------------

    def set_usage(self, *, input: Optional[int] = None, output: Optional[int] = None,
                  details: Optional[dict[str, Any]] = None) -> None:
        self.input_tokens = input
        self.output_tokens = output
        self.token_details = details

    def set_resolved_model(self, model_id: str) -> None:
        self.resolved_model = model_id

    def add_tool_call(self, tool_call: Any) -> None:
        """Record a tool call the model made (plugins call this while streaming).

        A call the model did not also stream as events gets its own events, so it
        shows in ``stream_events()`` and among the response's parts.
        """
        import json

        from .tools import synthesize_tool_call_id

        if not getattr(tool_call, "tool_call_id", None):
            tool_call.tool_call_id = synthesize_tool_call_id()
        self._tool_calls.append(tool_call)
        if any(e.tool_call_id == tool_call.tool_call_id and e.type == "tool_call_name" for e in self._events):
            return
        index = self._next_part_index()
        self._events.append(StreamEvent("tool_call_name", tool_call.name, index, tool_call_id=tool_call.tool_call_id))
        self._events.append(StreamEvent("tool_call_args", json.dumps(tool_call.arguments or {}), index,
                                        tool_call_id=tool_call.tool_call_id))
        self._synthesized_calls.add(tool_call.tool_call_id)

    @property
    def _stream_events(self) -> list[StreamEvent]:
        """The events so far (the name plugins and their tests use)."""
        return self._events

    @_stream_events.setter
    def _stream_events(self, events: list[StreamEvent]) -> None:
        self._events = list(events)

    def _next_part_index(self) -> int:
        return next_part_index(self._events)

    def _record(self, item: Any) -> None:
        """Keep one item yielded by ``execute()``: a text chunk or a StreamEvent.

        Events without ``part_index`` get one here (see :class:`StreamEvent`), so
        ``stream_events()`` consumers always see it. Tool call events for a call
        already recorded through ``add_tool_call()`` only add their metadata.
        """
        if item is None:
            return
        event = item if isinstance(item, StreamEvent) else StreamEvent("text", item if isinstance(item, str) else str(item))
        if event.tool_call_id in self._synthesized_calls and event.type in ("tool_call_name", "tool_call_args"):
            self._merge_into_synthesized(event)
            return
        if event.part_index is None:
            last = self._events[-1] if self._events else None
            event.part_index = last.part_index if last is not None and continues(last, event) else self._next_part_index()
        if event.type == "text":
            self._chunks.append(event.chunk)
        self._events.append(event)

    def _merge_into_synthesized(self, event: StreamEvent) -> None:
        for existing in self._events:
            if existing.tool_call_id == event.tool_call_id and existing.type == "tool_call_name":
                existing.server_executed = existing.server_executed or event.server_executed
                existing.provider_metadata = merge_metadata(existing.provider_metadata, event.provider_metadata)
                return

    def _take_new_events(self, emitted: int) -> tuple[list[StreamEvent], int]:
        return self._events[emitted:], len(self._events)

    # -- reading ------------------------------------------------------------

    @property
    def attachments(self) -> list[Any]:
        return self.prompt.attachments

    def _usage(self) -> Usage:
        return Usage(input=self.input_tokens, output=self.output_tokens, details=self.token_details)

    def _begin(self) -> None:
        self._started = True
        self._start = time.monotonic()
        self._start_utcnow = datetime.datetime.now(datetime.timezone.utc)

    def _finish(self, complete: bool) -> None:
        self._end = time.monotonic()
        self.incomplete = not complete
        self._done = True
        if self.conversation is not None and self not in self.conversation.responses:
            self.conversation.responses.append(self)

    def duration_ms(self) -> int:
        if self._start is None or self._end is None:
            return 0
        return int((self._end - self._start) * 1000)

    def datetime_utc(self) -> str:
        when = self._start_utcnow or datetime.datetime.now(datetime.timezone.utc)
        return when.isoformat()

    def _output_messages(self) -> list[Message]:
        """The assistant message(s) of this response, assembled from its events.

        A response rebuilt without events (from a log row, say) has its text and
        tool calls instead.
        """
        events = self._events
        if not events and (self._chunks or self._tool_calls):
            from .parts import TextPart, ToolCallPart

            text = "".join(self._chunks)
            parts: list[Any] = [TextPart(text)] if text else []
            parts += [ToolCallPart(c.name, dict(c.arguments or {}), c.tool_call_id) for c in self._tool_calls]
            return [Message("assistant", parts)]
        messages = events_to_messages(events)
        if not messages:
            return [Message("assistant", [])]
        return [Message("assistant", parts) for parts in messages.values()]

    def _tool_calls_or_raise(self) -> list[Any]:
        if not self._done:
            raise ValueError("Response has not been evaluated yet")
        return list(self._tool_calls)

    def tool_calls_or_raise(self) -> list[Any]:
        """The tool calls of a finished response (plugins read earlier turns this way)."""
        return self._tool_calls_or_raise()

    def _to_dict(self, include_conversation: bool = True) -> dict[str, Any]:
        """Everything needed to rebuild this response and continue from it; never the key."""
        from .parts import part_to_dict, AttachmentPart

        prompt = self.prompt
        data: dict[str, Any] = {
            "id": self.id,
            "model": self.model.model_id,
            "prompt": prompt._prompt,
            "system": prompt._system,
            "fragments": [str(f) for f in prompt.fragments],
            "system_fragments": [str(f) for f in prompt.system_fragments],
            "attachments": [part_to_dict(AttachmentPart(a)) for a in prompt.attachments],
            "options": prompt.options.model_dump(exclude_none=True) if prompt.options is not None else {},
            "schema": prompt.schema,
            "tools": [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                for t in prompt.tools
            ],
            "tool_results": [
                {"name": r.name, "output": r.output, "tool_call_id": r.tool_call_id}
                for r in prompt.tool_results
            ],
            "prompt_messages": [m.to_dict() for m in prompt.messages if isinstance(m, Message)],
            "text": "".join(self._chunks),
            "messages": [m.to_dict() for m in self._output_messages()],
            "tool_calls": [
                {"name": c.name, "arguments": c.arguments, "tool_call_id": c.tool_call_id}
                for c in self._tool_calls
            ],
            "usage": {"input": self.input_tokens, "output": self.output_tokens, "details": self.token_details},
            "response_json": self.response_json,
            "datetime_utc": self.datetime_utc(),
            "duration_ms": self.duration_ms(),
        }
        if include_conversation and self.conversation is not None:
            earlier = []
            for r in self.conversation.responses:
                if r is self:
                    break
                earlier.append(r._to_dict(include_conversation=False))
            data["conversation"] = {"id": self.conversation.id, "name": self.conversation.name,
                                    "responses": earlier}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], model: Any = None, *, tools: Optional[list[Any]] = None) -> Any:
        """Rebuild a completed response (and its conversation) from ``to_dict()`` output.

        Tools are stored by name: each is taken from ``tools`` (functions, Tools or
        Toolbox instances) or else from the tools plugins register. One found in
        neither keeps its definition, so the model still sees it, and a call to it
        is answered with an error saying how to supply it.
        """
        from . import registry
        from .conversations import AsyncConversation, Conversation
        from .parts import part_from_dict
        from .tools import ToolCall, ToolResult

        is_async = issubclass(cls, AsyncResponse)
        if model is None:
            model = registry.get_async_model(data["model"]) if is_async else registry.get_model(data["model"])
        conversation_cls = AsyncConversation if is_async else Conversation
        conv_data = data.get("conversation") or {}
        conversation = conversation_cls(model=model, id=conv_data.get("id"), name=conv_data.get("name"))
        find_tool = _tool_finder(tools)

        def build(item: dict[str, Any]) -> Any:
            prompt = Prompt(
                item.get("prompt"), model, system=item.get("system"),
                fragments=item.get("fragments"), system_fragments=item.get("system_fragments"),
                attachments=[part_from_dict(a).attachment for a in item.get("attachments", [])],  # type: ignore[union-attr]
                options=item.get("options") or {}, schema=item.get("schema"),
                tools=[find_tool(spec) for spec in item.get("tools") or []],
                tool_results=[ToolResult(r["name"], r["output"], r.get("tool_call_id"))
                              for r in item.get("tool_results", [])],
                messages=[Message.from_dict(m) for m in item.get("prompt_messages") or []],
            )
            response = cls(prompt, model, stream=False, conversation=conversation)
            response.id = item.get("id") or response.id
            for message in item.get("messages", []):
                for part in Message.from_dict(message).parts:
                    kind = getattr(part, "type", "")
                    if kind in ("text", "reasoning"):
                        response._events.append(StreamEvent(kind, part.text, response._next_part_index()))  # type: ignore[union-attr]
            if not response._events and item.get("text"):
                response._events.append(StreamEvent("text", item["text"], 0))
            response._chunks = [item.get("text") or ""]
            for call in item.get("tool_calls", []):
                response.add_tool_call(ToolCall(call["name"], call.get("arguments") or {}, call.get("tool_call_id")))
            usage = item.get("usage") or {}
            response.set_usage(input=usage.get("input"), output=usage.get("output"), details=usage.get("details"))
            response.response_json = item.get("response_json")
            response._done = response._started = True
            conversation.responses.append(response)
            return response

        for earlier in conv_data.get("responses", []):
            build(earlier)
        return build(data)

    def _reply_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """A reply continues as this prompt did: the same system prompt, options, schema,
        tools and key, unless given again; options given are merged over the old ones."""
        prompt = self.prompt
        kwargs = dict(kwargs)
        options = prompt.options.model_dump(exclude_none=True) if prompt.options is not None else {}
        options.update(kwargs.pop("options", None) or {})
        for name in list(kwargs):
            if name not in _PROMPT_ARGUMENTS:
                options[name] = kwargs.pop(name)
        kwargs["options"] = options
        kwargs.setdefault("system", prompt._system)
        kwargs.setdefault("system_fragments", prompt.system_fragments)
        kwargs.setdefault("schema", prompt.schema)
        kwargs.setdefault("tools", prompt.tools)
        kwargs.setdefault("key", self._key)
        return kwargs

    def text_or_raise(self) -> str:
        if not self._done:
            raise ValueError("Response has not been evaluated yet")
        return "".join(self._chunks)

    def log_to_db(self, db: Any) -> None:
        """Record this response (and its conversation, attachments) in a logs database."""
        from .logs import log_response

        log_response(db, self)

    @classmethod
    def fake(cls, model: "_BaseModel", prompt: str, *attachments: Any, system: Optional[str] = None,
             response: Optional[str] = None) -> Any:
        """A completed response, for tests of plugins that rebuild history."""
        # Also accept the documented positional form fake(model, prompt, system, response).
        if response is None and system is None and len(attachments) == 2 and all(
            isinstance(a, (str, type(None))) for a in attachments
        ):
            system, response = attachments  # type: ignore[assignment]
            attachments = ()
        prompt_obj = Prompt(prompt, model=model, system=system, attachments=list(attachments))
        fake = cls(prompt_obj, model, stream=False)
        fake._chunks = [response or ""]
        fake._done = True
        fake._started = True
        return fake

    def _repr_text(self) -> str:
        return "".join(self._chunks) if self._done else "... not yet done ..."

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} prompt={self.prompt.prompt!r} text={self._repr_text()!r}>"


class Response(_BaseResponse):
    def _iter_events(self) -> Iterator[StreamEvent]:
        if self._done or self._started:
            yield from list(self._events)
            if self._done:
                return
        self._begin()
        complete = False
        emitted = 0
        try:
            args, kwargs = _execute_arguments(self.model, self)
            result = self.model.execute(*args, **kwargs)
            for item in result or ():
                self._record(item)
                new, emitted = self._take_new_events(emitted)
                yield from new
            new, emitted = self._take_new_events(emitted)
            yield from new
            complete = True
        finally:
            self._finish(complete)
        self._run_callbacks()

    def __iter__(self) -> Iterator[str]:
        for event in self._iter_events():
            if event.type == "text":
                yield event.chunk

    def stream_events(self) -> Iterator[StreamEvent]:
        """Every event (text, reasoning, tool calls) as it arrives."""
        yield from self._iter_events()

    def _force(self) -> None:
        if not self._done:
            for _ in self._iter_events():
                pass

    def _run_callbacks(self) -> None:
        callbacks, self.done_callbacks = self.done_callbacks, []
        for callback in callbacks:
            callback(self)

    def on_done(self, callback: Callable[["Response"], Any]) -> None:
        """Call ``callback(response)`` once all of the response has arrived."""
        if self._done:
            callback(self)
        else:
            self.done_callbacks.append(callback)

    def text(self) -> str:
        self._force()
        return "".join(self._chunks)

    def text_or_raise(self) -> str:
        """For a sync response the same as ``text()``: it is evaluated if needed."""
        return self.text()

    def tool_calls_or_raise(self) -> list[Any]:
        """For a sync response the same as ``tool_calls()``."""
        return self.tool_calls()

    def __str__(self) -> str:
        return self.text()

    def json(self) -> Any:
        self._force()
        return self.response_json

    def usage(self) -> Usage:
        self._force()
        return self._usage()

    def tool_calls(self) -> list[Any]:
        self._force()
        return list(self._tool_calls)

    def messages(self) -> list[Message]:
        """The assistant message(s) this response produced, as parts."""
        self._force()
        return self._output_messages()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (executes the response first if needed)."""
        self._force()
        return self._to_dict()

    def execute_tool_calls(self, *, before_call: Any = None, after_call: Any = None) -> list[Any]:
        """Run the tool calls this response asked for, with the prompt's tools."""
        from .tools import run_tool_calls

        calls = self.tool_calls()
        if not calls:
            return []
        return run_tool_calls(calls, self.prompt.tools, before_call=before_call, after_call=after_call)

    def _ensure_conversation(self) -> Any:
        if self.conversation is None:
            from .conversations import Conversation

            self.conversation = Conversation(model=self.model, responses=[self])
        elif self not in self.conversation.responses:
            self.conversation.responses.append(self)
        return self.conversation

    def reply(self, prompt: Optional[str] = None, *, before_call: Any = None, after_call: Any = None,
              **kwargs: Any) -> "Response":
        """Run any pending tool calls, then send the next turn of the conversation."""
        tool_results = self.execute_tool_calls(before_call=before_call, after_call=after_call)
        conversation = self._ensure_conversation()
        return conversation.prompt(prompt, tool_results=tool_results, **self._reply_kwargs(kwargs))


class AsyncResponse(_BaseResponse):
    async def _aiter_events(self) -> AsyncIterator[StreamEvent]:
        if self._done or self._started:
            for event in list(self._events):
                yield event
            if self._done:
                return
        self._begin()
        complete = False
        emitted = 0
        try:
            args, kwargs = _execute_arguments(self.model, self)
            result = self.model.execute(*args, **kwargs)
            if inspect.isawaitable(result) and not hasattr(result, "__aiter__"):
                result = await result
            if hasattr(result, "__aiter__"):
                async for item in result:
                    self._record(item)
                    new, emitted = self._take_new_events(emitted)
                    for event in new:
                        yield event
            else:
                for item in result or ():
                    self._record(item)
            new, emitted = self._take_new_events(emitted)
            for event in new:
                yield event
            complete = True
        finally:
            self._finish(complete)
        await self._run_callbacks()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._aiter_text()

    async def _aiter_text(self) -> AsyncIterator[str]:
        async for event in self._aiter_events():
            if event.type == "text":
                yield event.chunk

    def astream_events(self) -> AsyncIterator[StreamEvent]:
        return self._aiter_events()

    async def _force(self) -> "AsyncResponse":
        if not self._done:
            async for _ in self._aiter_events():
                pass
        return self

    def __await__(self):
        return self._force().__await__()

    async def _run_callbacks(self) -> None:
        callbacks, self.done_callbacks = self.done_callbacks, []
        for callback in callbacks:
            result = callback(self)
            if inspect.isawaitable(result):
                await result

    async def on_done(self, callback: Callable[["AsyncResponse"], Any]) -> None:
        if self._done:
            result = callback(self)
            if inspect.isawaitable(result):
                await result
        else:
            self.done_callbacks.append(callback)

    async def text(self) -> str:
        await self._force()
        return "".join(self._chunks)

    async def json(self) -> Any:
        await self._force()
        return self.response_json

    async def usage(self) -> Usage:
        await self._force()
        return self._usage()

    async def tool_calls(self) -> list[Any]:
        await self._force()
        return list(self._tool_calls)

    async def messages(self) -> list[Message]:
        await self._force()
        return self._output_messages()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the awaited response (as ``Response.to_dict()``)."""
        if not self._done:
            raise ValueError(
                "This response has not finished: await the response (or read all of it) "
                "before calling to_dict()")
        return self._to_dict()

    async def execute_tool_calls(self, *, before_call: Any = None, after_call: Any = None) -> list[Any]:
        from .tools import arun_tool_calls

        calls = await self.tool_calls()
        if not calls:
            return []
        return await arun_tool_calls(calls, self.prompt.tools, before_call=before_call, after_call=after_call)

    def _ensure_conversation(self) -> Any:
        if self.conversation is None:
            from .conversations import AsyncConversation

            self.conversation = AsyncConversation(model=self.model, responses=[self])
        elif self not in self.conversation.responses:
            self.conversation.responses.append(self)
        return self.conversation

    async def reply(self, prompt: Optional[str] = None, *, before_call: Any = None, after_call: Any = None,
                    **kwargs: Any) -> "AsyncResponse":
        tool_results = await self.execute_tool_calls(before_call=before_call, after_call=after_call)
        conversation = self._ensure_conversation()
        return conversation.prompt(prompt, tool_results=tool_results, **self._reply_kwargs(kwargs))

    def __str__(self) -> str:
        if self._done:
            return "".join(self._chunks)
        return f"<AsyncResponse prompt={self.prompt.prompt!r} (not yet awaited)>"

    async def to_sync_response(self) -> Response:
        """A completed sync Response with the same content (for logging)."""
        await self._force()
        sync = Response(self.prompt, self.model, self.stream, conversation=None, key=self._key)
        for name in ("id", "_chunks", "_done", "_started", "incomplete", "response_json",
                     "input_tokens", "output_tokens", "token_details", "resolved_model",
                     "_start", "_end", "_start_utcnow", "_tool_calls", "_events",
                     "_synthesized_calls", "_prompt_json"):
            setattr(sync, name, getattr(self, name))
        sync.conversation = self.conversation
        return sync
