"""Models for the OpenAI Responses API (``/v1/responses``), sync and async.

Like the chat classes these are a subclassing API (``Responses`` and
``AsyncResponses`` in ``llm.default_plugins.openai_models``): OpenAI-compatible
providers such as llm-openrouter construct them with the chat keyword arguments
and override the steps of a request, each a method:

- ``_build_responses_kwargs(prompt, stream)``: parameters from the options, tools
  and schema (no model, input or stream yet);
- ``_build_responses_input(prompt, image_detail=None)``: ``(items, instructions)``
  from ``prompt.messages``, the whole conversation as parts;
- ``_finalize_responses_kwargs(prompt, stream)``: the complete request;
- ``_server_tool_events(item, message_index)``: stream events for an output item
  the provider's own tools produced, and ``_refresh_server_tool_events(output,
  done_events)`` to update them from the final response;
- ``_delegate_chat_kwargs()``: the arguments to build the chat model that serves
  the ``chat_completions`` option.

Requests go through the ``openai`` client (imported on the first request).
Reasoning comes back as reasoning parts carrying the encrypted reasoning item, so
a conversation can be continued with ``store`` off.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import lru_cache
from typing import Any, AsyncGenerator, Iterator, Literal, Optional

from pydantic import Field

import llm
from llm.parts import AttachmentPart, ReasoningPart, StreamEvent, TextPart, ToolCallPart, ToolResultPart
from llm.tools import partition_tools
from llm.utils import simplify_usage_dict

from . import client as _client
from .messages import redact_data
from .models import AsyncChat, Chat, _Shared
from .options import SharedOptions

__all__ = [
    "ReasoningEffortEnum",
    "ResponsesOptions",
    "Responses",
    "AsyncResponses",
    "WebSearch",
    "CodeInterpreter",
    "responses_options",
]


class ReasoningEffortEnum(str, Enum):
    """How hard a reasoning model thinks before it answers."""

    none = "none"
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


class ResponsesOptions(SharedOptions):
    """Options of every Responses API model."""

    json_object: Optional[bool] = Field(
        description="Output a valid JSON object {...}. Prompt must mention JSON.", default=None)
    image_detail: Optional[Literal["low", "high", "auto"]] = Field(
        description="Detail level for image attachments: low, high or auto", default=None)
    chat_completions: Optional[bool] = Field(
        description="Send this prompt through the Chat Completions API instead", default=None)


class _ReasoningFields(llm.Options):
    reasoning_effort: Optional[ReasoningEffortEnum] = Field(
        description="How much effort to spend reasoning: none, minimal, low, medium, high, xhigh or max",
        default=None)


class _VerbosityFields(llm.Options):
    verbosity: Optional[Literal["low", "medium", "high"]] = Field(
        description="How long the answer should be: low, medium or high", default=None)


@lru_cache(maxsize=None)
def responses_options(reasoning: bool = False, verbosity: bool = False) -> type:
    """The options class for a model's capabilities (one class per combination, so
    plugins that derive their own options from it can cache them)."""
    bases: list[type] = []
    if reasoning:
        bases.append(_ReasoningFields)
    if verbosity:
        bases.append(_VerbosityFields)
    if not bases:
        return ResponsesOptions
    name = "Responses" + "".join(b.__name__.strip("_").replace("Fields", "") for b in bases) + "Options"
    return type(name, (ResponsesOptions, *bases), {"__doc__": "Options of a Responses API model.", "__module__": __name__})


# -- server-side tools OpenAI runs itself -------------------------------------------


class WebSearch(llm.ServerSideTool):
    """Let the model search the web (OpenAI's hosted ``web_search`` tool)."""

    name = "web_search"
    plugin = "llmio-openai"

    def __init__(self, search_context_size: Optional[str] = None,
                 user_location: Optional[dict] = None) -> None:
        super().__init__()
        if search_context_size not in (None, "low", "medium", "high"):
            raise ValueError("search_context_size must be low, medium or high")
        if user_location is not None and not isinstance(user_location, dict):
            raise ValueError("user_location must be a dictionary")
        self.search_context_size = search_context_size
        self.user_location = user_location

    def tool_spec(self, model: Any) -> dict:
        spec: dict[str, Any] = {"type": "web_search"}
        if self.search_context_size:
            spec["search_context_size"] = self.search_context_size
        if self.user_location:
            spec["user_location"] = {"type": "approximate", **self.user_location}
        return spec


class CodeInterpreter(llm.ServerSideTool):
    """Let the model run Python in OpenAI's sandbox (``code_interpreter``)."""

    name = "code_interpreter"
    plugin = "llmio-openai"

    def __init__(self, container: Optional[str] = None) -> None:
        super().__init__()
        if container is not None and not isinstance(container, str):
            raise ValueError("container must be a container ID string")
        self.container = container

    def tool_spec(self, model: Any) -> dict:
        return {"type": "code_interpreter", "container": self.container or {"type": "auto"}}


#: Request parameters the Responses API takes; other option values go in ``extra_body``.
_API_PARAMETERS = frozenset({
    "model", "input", "instructions", "stream", "store", "include", "tools", "tool_choice",
    "temperature", "top_p", "max_output_tokens", "reasoning", "text", "truncation", "metadata",
    "parallel_tool_calls", "previous_response_id", "service_tier", "user", "top_logprobs",
    "background", "prompt_cache_key", "safety_identifier", "max_tool_calls", "stream_options",
    "extra_body", "extra_headers", "extra_query", "timeout",
})


def _dump(item: Any) -> dict:
    if hasattr(item, "model_dump"):
        return item.model_dump(mode="json", exclude_none=True, warnings=False)
    if isinstance(item, dict):
        return dict(item)
    return {k: v for k, v in vars(item).items() if v is not None and not k.startswith("_")}


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def _openai_metadata(part: Any) -> dict:
    metadata = getattr(part, "provider_metadata", None) or {}
    return metadata.get("openai") or {}


def _value(option: Any) -> Any:
    return option.value if isinstance(option, Enum) else option


def _client_url(model: Any, client: Any) -> Any:
    return getattr(client, "base_url", None) or model.api_base


class _ResponsesShared:
    """The request and response handling shared by :class:`Responses` and
    :class:`AsyncResponses` (mixed in before the chat machinery they share)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.Options = responses_options(bool(self.reasoning), bool(self.verbosity))  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return f"OpenAI Responses: {self.model_id}"  # type: ignore[attr-defined]

    @property
    def supported_server_side_tools(self) -> tuple[type, ...]:
        return (WebSearch, CodeInterpreter)

    # -- building the request ---------------------------------------------------

    def _build_responses_kwargs(self, prompt: Any, stream: bool) -> dict:
        """Parameters from options, tools and schema. Option values this class does
        not translate are passed through under their own names."""
        options = {k: v for k, v in prompt.options.model_dump().items() if v is not None}
        kwargs: dict[str, Any] = {}
        reasoning: dict[str, Any] = {}
        text: dict[str, Any] = {}
        for key, value in options.items():
            if key == "max_tokens":
                kwargs["max_output_tokens"] = value
            elif key == "reasoning_effort":
                reasoning["effort"] = _value(value)
            elif key == "verbosity":
                text["verbosity"] = value
            elif key == "json_object":
                if value:
                    text["format"] = {"type": "json_object"}
            elif key in ("image_detail", "chat_completions"):
                continue
            else:
                kwargs[key] = value
        if self.reasoning and not getattr(prompt, "hide_reasoning", False):  # type: ignore[attr-defined]
            reasoning.setdefault("summary", "auto")
        if reasoning:
            kwargs["reasoning"] = reasoning
        if prompt.schema:
            schema = prompt.schema
            if hasattr(schema, "model_json_schema"):
                schema = schema.model_json_schema()
            text["format"] = {"type": "json_schema", "name": "output", "schema": schema}
        if text:
            kwargs["text"] = text
        if prompt.tools:
            function_tools, server_tools = partition_tools(self, prompt.tools)
            tools = [tool.tool_spec(self) for tool in server_tools]
            for tool in function_tools:
                spec: dict[str, Any] = {"type": "function", "name": tool.name}
                if tool.description:
                    spec["description"] = tool.description
                spec["parameters"] = tool.input_schema or {"type": "object", "properties": {}}
                tools.append(spec)
            kwargs["tools"] = tools
            for tool in server_tools:
                tool.prepare_request(self, kwargs)
        return kwargs

    def _build_responses_input(self, prompt: Any, image_detail: Optional[str] = None) -> tuple[list, Optional[str]]:
        """``(input items, instructions)`` from ``prompt.messages``.

        System messages become the instructions (the latest wins); the rest become
        items in order: user and assistant messages (text alone as a string),
        function calls and their outputs, and encrypted reasoning. Parts produced
        by a provider's own tools are left out: this class cannot send them back.
        """
        items: list[dict] = []
        instructions: Optional[str] = None
        for message in prompt.messages:
            if message.role == "system":
                instructions = message.text
                continue
            if message.role == "assistant":
                items.extend(self._assistant_items(message.parts))
                continue
            results = [p for p in message.parts if isinstance(p, ToolResultPart) and not p.server_executed]
            items.extend({"type": "function_call_output", "call_id": p.tool_call_id, "output": p.output}
                         for p in results)
            content = self._user_content(message.parts, image_detail)
            if content is not None:
                items.append({"role": "user", "content": content})
        if instructions is None and prompt.system:
            instructions = prompt.system
        return items, instructions or None

    def _user_content(self, parts: list, image_detail: Optional[str]) -> Any:
        texts = [p.text for p in parts if isinstance(p, TextPart)]
        attachments = [p.attachment for p in parts if isinstance(p, AttachmentPart) and p.attachment is not None]
        if not attachments:
            return "".join(texts) if texts else None
        content: list[dict] = [{"type": "input_text", "text": text} for text in texts if text]
        content.extend(self._attachment_item(a, image_detail) for a in attachments)
        return content

    def _attachment_item(self, attachment: Any, image_detail: Optional[str]) -> dict:
        mime = attachment.resolve_type()
        if mime == "application/pdf":
            name = (attachment.path or attachment.url or "").replace("\\", "/").rsplit("/", 1)[-1]
            return {"type": "input_file", "filename": name or f"{attachment.id()}.pdf",
                    "file_data": f"data:{mime};base64,{attachment.base64_content()}"}
        if not mime.startswith("image/"):
            raise llm.ModelError(f"The Responses API does not accept {mime} attachments")
        item: dict[str, Any] = {"type": "input_image",
                                "image_url": attachment.url or f"data:{mime};base64,{attachment.base64_content()}"}
        if image_detail:
            item["detail"] = image_detail
        return item

    def _assistant_items(self, parts: list) -> list[dict]:
        items: list[dict] = []
        text: list[str] = []

        def flush() -> None:
            if "".join(text):
                items.append({"role": "assistant", "content": "".join(text)})
            text.clear()

        for part in parts:
            if isinstance(part, TextPart):
                text.append(part.text)
                continue
            flush()
            if isinstance(part, ReasoningPart):
                stored = _openai_metadata(part)
                if stored.get("encrypted_content"):
                    item: dict[str, Any] = {"type": "reasoning", "id": stored.get("id"),
                                            "summary": [{"type": "summary_text", "text": part.text}] if part.text else [],
                                            "encrypted_content": stored["encrypted_content"]}
                    items.append({k: v for k, v in item.items() if v is not None})
            elif isinstance(part, ToolCallPart) and not part.server_executed:
                items.append({"type": "function_call", "call_id": part.tool_call_id, "name": part.name,
                              "arguments": json.dumps(part.arguments)})
            elif isinstance(part, ToolResultPart) and not part.server_executed:
                items.append({"type": "function_call_output", "call_id": part.tool_call_id, "output": part.output})
        flush()
        return items

    def _finalize_responses_kwargs(self, prompt: Any, stream: bool) -> dict:
        """The complete request: model, input, instructions, stream and parameters."""
        kwargs = self._build_responses_kwargs(prompt, stream)
        items, instructions = self._build_responses_input(
            prompt, image_detail=getattr(prompt.options, "image_detail", None))
        request: dict[str, Any] = {"model": self.model_name or self.model_id, "input": items}  # type: ignore[attr-defined]
        if instructions:
            request["instructions"] = instructions
        request["stream"] = stream
        request["store"] = False
        if self.reasoning:  # type: ignore[attr-defined]
            request["include"] = ["reasoning.encrypted_content"]
        extra_body = dict(kwargs.pop("extra_body", None) or {})
        for key, value in kwargs.items():
            if key in _API_PARAMETERS:
                request[key] = value
            else:
                extra_body[key] = value
        if extra_body:
            request["extra_body"] = extra_body
        return request

    def _delegate_chat_kwargs(self) -> dict:
        """Keyword arguments for the chat model with this model's configuration."""
        return dict(self._init_kwargs)

    def _chat_model(self, chat_class: type) -> Any:
        chat = chat_class(**self._delegate_chat_kwargs())
        chat.needs_key = self.needs_key  # type: ignore[attr-defined]
        chat.key_env_var = self.key_env_var  # type: ignore[attr-defined]
        return chat

    # -- output items as stream events ------------------------------------------

    def _server_tool_events(self, item: Any, message_index: Optional[int]) -> list[StreamEvent]:
        """Events for an item one of OpenAI's hosted tools produced ([] for others)."""
        kind = _get(item, "type")
        item_id = _get(item, "id")
        if kind == "web_search_call":
            return [
                StreamEvent("tool_call_name", "web_search", tool_call_id=item_id, server_executed=True,
                            message_index=message_index),
                StreamEvent("tool_call_args", json.dumps(_dump(_get(item, "action") or {})),
                            tool_call_id=item_id, server_executed=True, message_index=message_index),
                StreamEvent("tool_result", _get(item, "status") or "completed", tool_call_id=item_id,
                            server_executed=True, tool_name="web_search", message_index=message_index),
            ]
        if kind == "code_interpreter_call":
            outputs = [_dump(o) for o in _get(item, "outputs") or []]
            return [
                StreamEvent("tool_call_name", "code_interpreter", tool_call_id=item_id, server_executed=True,
                            message_index=message_index),
                StreamEvent("tool_call_args", json.dumps({"code": _get(item, "code")}), tool_call_id=item_id,
                            server_executed=True, message_index=message_index),
                StreamEvent("tool_result", json.dumps(outputs), tool_call_id=item_id, server_executed=True,
                            tool_name="code_interpreter", message_index=message_index),
            ]
        if kind == "file_search_call":
            results = [_dump(r) for r in _get(item, "results") or []]
            return [
                StreamEvent("tool_call_name", "file_search", tool_call_id=item_id, server_executed=True,
                            message_index=message_index),
                StreamEvent("tool_call_args", json.dumps({"queries": _get(item, "queries") or []}),
                            tool_call_id=item_id, server_executed=True, message_index=message_index),
                StreamEvent("tool_result", json.dumps(results), tool_call_id=item_id, server_executed=True,
                            tool_name="file_search", message_index=message_index),
            ]
        return []

    def _refresh_server_tool_events(self, output: Any, done_events: dict) -> None:
        """Bring the result events of hosted tool calls up to date with the final output."""
        for item in output or []:
            events = done_events.get(_get(item, "id"))
            if not events:
                continue
            fresh = {e.type: e for e in self._server_tool_events(item, events[0].message_index)}
            for event in events:
                if event.type == "tool_result" and "tool_result" in fresh:
                    event.chunk = fresh["tool_result"].chunk

    # -- executing ------------------------------------------------------------------

    def _start(self, prompt: Any, stream: bool, response: Any, key: Optional[str]) -> tuple[Optional[str], dict]:
        key = self._resolve_key(key)  # type: ignore[attr-defined]
        request = self._finalize_responses_kwargs(prompt, stream)
        response._prompt_json = redact_data({"instructions": request.get("instructions"),
                                             "input": request["input"]})
        return key, self._request(key, **request)  # type: ignore[attr-defined]

    def _finish_response(self, reader: "_OutputReader", response: Any) -> None:
        """Record the final response: JSON, usage, resolved model, tool calls."""
        final = reader.final
        if final is None:
            raise _client.StreamEndedEarly(
                "The response stream ended before it was complete (no response.completed event)")
        if _get(final, "status") == "failed":
            error = _get(final, "error")
            raise llm.ModelError(_client.clean(str(_get(error, "message") or error or "The response failed")))
        data = _dump(final)
        response.response_json = data
        usage = dict(data.get("usage") or {})
        if usage:
            input_tokens = usage.pop("input_tokens", None)
            output_tokens = usage.pop("output_tokens", None)
            usage.pop("total_tokens", None)
            response.set_usage(input=input_tokens, output=output_tokens,
                               details=simplify_usage_dict(usage) or None)
        model = data.get("model")
        if model and model != (self.model_name or self.model_id):  # type: ignore[attr-defined]
            response.set_resolved_model(model)
        for item in data.get("output") or []:
            if item.get("type") == "function_call":
                arguments = item.get("arguments") or ""
                try:
                    parsed = json.loads(arguments) if arguments else {}
                except ValueError:
                    parsed = arguments
                response.add_tool_call(llm.ToolCall(name=item.get("name"), arguments=parsed,
                                                    tool_call_id=item.get("call_id")))
        self._refresh_server_tool_events(_get(final, "output"), reader.done_events)


class _OutputReader:
    """Turns Responses API stream events (or a complete response) into StreamEvents.

    Each output item gets part indexes of its own, in the order items arrive, so
    adjacent reasoning items or messages stay separate parts.
    """

    def __init__(self, model: _ResponsesShared) -> None:
        self.model = model
        self.indexes: dict[tuple, int] = {}
        self.calls: dict[str, str] = {}  # item id -> call id
        self.streamed: set[tuple] = set()  # (kind, output_index) that had deltas
        self.done_events: dict[Any, list[StreamEvent]] = {}
        self.final: Any = None

    def _index(self, *key: Any) -> int:
        return self.indexes.setdefault(key, len(self.indexes))

    def _text(self, kind: str, chunk: str, output_index: int, metadata: Optional[dict] = None) -> StreamEvent:
        return StreamEvent(kind, chunk, self._index(kind, output_index), provider_metadata=metadata)

    def event(self, event: Any) -> list[StreamEvent]:
        """The StreamEvents for one streamed event."""
        kind = _get(event, "type")
        index = _get(event, "output_index", 0)
        if kind == "response.output_text.delta":
            self.streamed.add(("text", index))
            return [self._text("text", _get(event, "delta") or "", index)]
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            self.streamed.add(("reasoning", index))
            return [self._text("reasoning", _get(event, "delta") or "", index)]
        if kind == "response.reasoning_summary_part.added" and _get(event, "summary_index", 0) > 0:
            return [self._text("reasoning", "\n\n", index)]
        if kind == "response.output_item.added":
            item = _get(event, "item")
            if _get(item, "type") == "function_call":
                self.calls[_get(item, "id")] = _get(item, "call_id")
                return [StreamEvent("tool_call_name", _get(item, "name") or "", self._index("call", index),
                                    tool_call_id=_get(item, "call_id"))]
            return []
        if kind == "response.function_call_arguments.delta":
            call_id = self.calls.get(_get(event, "item_id"))
            self.streamed.add(("call", index))
            return [StreamEvent("tool_call_args", _get(event, "delta") or "", self._index("call", index),
                                tool_call_id=call_id)]
        if kind == "response.output_item.done":
            return self.item(_get(event, "item"), index, streamed=True)
        if kind in ("response.completed", "response.incomplete", "response.failed"):
            self.final = _get(event, "response")
            return []
        if kind == "error":
            raise llm.ModelError(_client.clean(str(_get(event, "message") or "The API reported an error")))
        return []

    def item(self, item: Any, index: int, streamed: bool = False) -> list[StreamEvent]:
        """The StreamEvents for one finished output item (those not already streamed)."""
        kind = _get(item, "type")
        if kind == "message":
            if streamed and ("text", index) in self.streamed:
                return []
            texts = [_get(c, "text") or _get(c, "refusal") or "" for c in _get(item, "content") or []]
            return [self._text("text", "".join(texts), index)] if "".join(texts) else []
        if kind == "reasoning":
            summary = "\n\n".join(_get(s, "text") or "" for s in _get(item, "summary") or [])
            chunk = "" if (streamed and ("reasoning", index) in self.streamed) else summary
            stored = {"id": _get(item, "id"), "encrypted_content": _get(item, "encrypted_content")}
            stored = {k: v for k, v in stored.items() if v}
            return [self._text("reasoning", chunk, index, {"openai": stored} if stored else None)]
        if kind == "function_call":
            call_id = _get(item, "call_id")
            events = []
            if not streamed:
                events.append(StreamEvent("tool_call_name", _get(item, "name") or "", self._index("call", index),
                                          tool_call_id=call_id))
            if not (streamed and ("call", index) in self.streamed):
                events.append(StreamEvent("tool_call_args", _get(item, "arguments") or "",
                                          self._index("call", index), tool_call_id=call_id))
            return events
        events = self.model._server_tool_events(item, 0)
        for position, event in enumerate(events):
            if event.part_index is None:
                event.part_index = self._index("server", index, position if event.type == "tool_result" else -1)
        if events:
            self.done_events[_get(item, "id")] = events
        return events

    def response(self, final: Any) -> list[StreamEvent]:
        """Every StreamEvent of a complete (not streamed) response."""
        self.final = final
        events: list[StreamEvent] = []
        for index, item in enumerate(_get(final, "output") or []):
            events.extend(self.item(item, index))
        return events


class Responses(_ResponsesShared, _Shared, llm.KeyModel):
    """A model behind the Responses API (``/v1/responses``)."""

    Options = ResponsesOptions

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                key: Optional[str] = None) -> Iterator[Any]:
        if getattr(prompt.options, "chat_completions", None):
            yield from self._chat_model(Chat).execute(prompt, stream, response, conversation, key)
            return
        key, request = self._start(prompt, stream, response, key)
        client = self.get_client(key)
        reader = _OutputReader(self)
        try:
            with _client.translate_errors(_client_url(self, client), key):
                result = client.responses.create(**request)
                if not request["stream"]:
                    yield from reader.response(result)
                else:
                    try:
                        for streamed in result:
                            yield from reader.event(streamed)
                    finally:
                        result.close()
            self._finish_response(reader, response)
        finally:
            if self._owns_clients():
                client.close()


class AsyncResponses(_ResponsesShared, _Shared, llm.AsyncKeyModel):
    """The async twin of :class:`Responses`."""

    Options = ResponsesOptions

    async def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                      key: Optional[str] = None) -> AsyncGenerator[Any, None]:
        if getattr(prompt.options, "chat_completions", None):
            async for item in self._chat_model(AsyncChat).execute(prompt, stream, response, conversation, key):
                yield item
            return
        key, request = self._start(prompt, stream, response, key)
        client = self.get_client(key, async_=True)
        reader = _OutputReader(self)
        try:
            with _client.translate_errors(_client_url(self, client), key):
                result = await client.responses.create(**request)
                if not request["stream"]:
                    for event in reader.response(result):
                        yield event
                else:
                    try:
                        async for streamed in result:
                            for event in reader.event(streamed):
                                yield event
                    finally:
                        await result.close()
            self._finish_response(reader, response)
        finally:
            if self._owns_clients():
                await client.close()
